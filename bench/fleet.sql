-- The fleet benchmark's reference: the aggregations the polars analytics
-- (learner/src/analytics.rs) compute, in plain SQL on the same profile.
-- 1. Convergence: new distinct facts per host, category and day (the day
--    each fact was first seen), for the six convergence categories, of the
--    facts that are uses (FactKey::is_use: not failed logons, not floods).
-- 2. Fleet outliers: per platform and fact, the hosts that use it, kept
--    when at most a quarter of the platform's hosts do (fleet.rs is_outlier).
.mode list
CREATE TEMP TABLE new_per_day AS
SELECT host, category, first_seen / 86400000 AS day, count(*) AS new
FROM (
    SELECT host, first_seen,
        CASE kind
            WHEN 'protocol' THEN 'protocols' WHEN 'share' THEN 'shares'
            WHEN 'service' THEN 'services' WHEN 'module' THEN 'services'
            WHEN 'script' THEN 'scripts' WHEN 'exec' THEN 'scripts'
            WHEN 'logon' THEN 'logons' WHEN 'connection' THEN 'ports'
        END AS category
    FROM facts
    WHERE coalesce(json_extract(key, '$.success'), 1) = 1 AND json_extract(key, '$.kind') <> 'folded'
)
WHERE category IS NOT NULL
GROUP BY host, category, day;

CREATE TEMP TABLE platform AS
SELECT h.host, coalesce(json_extract(i.attrs, '$.value'), 'unknown') AS platform
FROM hosts h LEFT JOIN inventory i ON i.host = h.host AND i.category = 'setting' AND i.name = 'os';

CREATE TEMP TABLE outliers AS
WITH fleet AS (SELECT platform, count(*) AS size FROM platform GROUP BY platform),
users AS (
    SELECT p.platform, f.key, count(DISTINCT f.host) AS users, group_concat(DISTINCT f.host) AS hosts
    FROM facts f JOIN platform p ON p.host = f.host
    WHERE coalesce(json_extract(f.key, '$.success'), 1) = 1 AND json_extract(f.key, '$.kind') <> 'folded'
    GROUP BY p.platform, f.key
)
SELECT u.platform, u.key, u.users, u.hosts
FROM users u JOIN fleet USING (platform)
WHERE fleet.size >= 3 AND u.users * 4 <= fleet.size AND u.users < fleet.size;

SELECT 'new_per_day_rows', count(*) FROM new_per_day;
SELECT 'outliers', count(*) FROM outliers;
