-- Written for ShippedFilesIT: per user, the interactions of each session (a session ends after a
-- minute without any). Run in append: a session's start moves while it merges, so only its final
-- pane names the document it ends in. (SESSION_END is refused: Beam SQL gives the start for it.)
SELECT
  user_id,
  SESSION_START(`timestamp`, INTERVAL '1' MINUTE) AS window_start,
  MAX(`timestamp`) AS last_event_at,
  COUNT(*) AS interaction_count
FROM SOURCE
GROUP BY user_id, SESSION(`timestamp`, INTERVAL '1' MINUTE)
