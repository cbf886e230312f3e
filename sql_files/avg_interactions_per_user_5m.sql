-- Average interactions per user, in 5-minute windows.
--
-- One document per window: the events in the window (interaction_count), the distinct users who
-- made them (num_user, exact), and their ratio (avg_interactions_per_user = events / distinct
-- users, a double). Windows are tumbling and aligned to the epoch, as in Spark.
-- The _id is derived: the window start (2024-10-28T12:00:00Z).
--
-- Fields: --jsonFieldsMap user_id=$.user_id
-- Document: {_id, window: {start, end}, interaction_count, num_user, avg_interactions_per_user}
SELECT
  TUMBLE_START(`timestamp`, INTERVAL '5' MINUTE) AS window_start,
  TUMBLE_END(`timestamp`, INTERVAL '5' MINUTE) AS window_end,
  COUNT(*) AS interaction_count,
  COUNT_DISTINCT(user_id) AS num_user,
  CAST(COUNT(*) AS DOUBLE) / COUNT_DISTINCT(user_id) AS avg_interactions_per_user
FROM SOURCE
GROUP BY TUMBLE(`timestamp`, INTERVAL '5' MINUTE);
