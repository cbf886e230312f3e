-- Average interactions per item, over all time.
--
-- First query: each item's interaction count since the start of the topic. Second query, run at
-- every emission over the complete current table of counts (AGGREGATED): the mean of those counts.
-- One document whose _id is the string '_id', as the PySpark module wrote it.
--
-- No window, so nothing is ever late; use --writeMethod=update or complete (append is refused).
-- Fields: --jsonFieldsMap item_id=$.item_id
-- Document: {_id: '_id', avg_interactions_per_item}
SELECT
  item_id,
  COUNT(*) AS interaction_count
FROM SOURCE
GROUP BY item_id;
-- for_each_batch
SELECT
  '_id' AS _id,
  AVG(CAST(interaction_count AS DOUBLE)) AS avg_interactions_per_item
FROM AGGREGATED;
-- end_for
