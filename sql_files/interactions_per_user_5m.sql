-- Interactions per user and interaction type, in 5-minute windows.
--
-- One document per (user_id, interaction_type, window): how many interactions of that kind the
-- user made in the window. Windows are tumbling and aligned to the epoch, as in Spark.
-- The _id is derived: user_id#interaction_type#window start.
--
-- Fields: --jsonFieldsMap user_id=$.user_id interaction_type=$.interaction_type
-- Document: {_id, user_id, interaction_type, window: {start, end}, interaction_count}
SELECT
  user_id,
  interaction_type,
  TUMBLE_START(`timestamp`, INTERVAL '5' MINUTE) AS window_start,
  TUMBLE_END(`timestamp`, INTERVAL '5' MINUTE) AS window_end,
  COUNT(*) AS interaction_count
FROM SOURCE
GROUP BY user_id, interaction_type, TUMBLE(`timestamp`, INTERVAL '5' MINUTE);
