-- Most and least frequent interaction type of each item, over all time.
--
-- First query: per item and interaction type, the count since the start of the topic. Second
-- query, run at every emission over the complete current table of counts (AGGREGATED): per item,
-- the type with the largest count and the type with the smallest, with their counts. Ties go to
-- the type whose name sorts first (MAX_BY/MIN_BY break ties by the smaller value), so the result
-- does not depend on the order events arrive in. Only types the item received count.
--
-- No window, so nothing is ever late; use --writeMethod=update or complete (append is refused).
-- Fields: --jsonFieldsMap item_id=$.item_id interaction_type=$.interaction_type
-- Document: {_id: item id, most_frequent_interaction, most_frequent_count,
--            least_frequent_interaction, least_frequent_count}
SELECT
  item_id,
  interaction_type,
  COUNT(*) AS interaction_count
FROM SOURCE
GROUP BY item_id, interaction_type;
-- for_each_batch
SELECT
  item_id AS _id,
  MAX_BY(interaction_type, interaction_count) AS most_frequent_interaction,
  MAX(interaction_count) AS most_frequent_count,
  MIN_BY(interaction_type, interaction_count) AS least_frequent_interaction,
  MIN(interaction_count) AS least_frequent_count
FROM AGGREGATED
GROUP BY item_id;
-- end_for
