-- Interactions per item and interaction type, in 5-minute windows.
--
-- One document per (item_id, interaction_type, window): how many times the item received that
-- kind of interaction in the window. Windows are tumbling and aligned to the epoch
-- (12:00, 12:05, ...), as in Spark. The _id is derived: item_id#interaction_type#window start.
--
-- Fields: --jsonFieldsMap item_id=$.item_id interaction_type=$.interaction_type
-- Document: {_id, item_id, interaction_type, window: {start, end}, interaction_count}
SELECT
  item_id,
  interaction_type,
  TUMBLE_START(`timestamp`, INTERVAL '5' MINUTE) AS window_start,
  TUMBLE_END(`timestamp`, INTERVAL '5' MINUTE) AS window_end,
  COUNT(*) AS interaction_count
FROM SOURCE
GROUP BY item_id, interaction_type, TUMBLE(`timestamp`, INTERVAL '5' MINUTE);
