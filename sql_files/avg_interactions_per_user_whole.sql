-- Average interactions per user, over all time.
--
-- First query: each user's interaction count since the start of the topic. Second query, run at
-- every emission over the complete current table of counts (AGGREGATED): the mean of those counts.
-- One document whose _id is the string '_id', as the PySpark module wrote it.
--
-- No window, so nothing is ever late; use --writeMethod=update or complete (append is refused).
-- Fields: --jsonFieldsMap user_id=$.user_id
-- Document: {_id: '_id', avg_interactions_per_user}
SELECT
  user_id,
  COUNT(*) AS interaction_count
FROM SOURCE
GROUP BY user_id;
-- for_each_batch
SELECT
  '_id' AS _id,
  AVG(CAST(interaction_count AS DOUBLE)) AS avg_interactions_per_user
FROM AGGREGATED;
-- end_for
