-- vpce-advisor sql --engine athena --layout security-lake: flow-log records -> traffic CSV schema 2 (docs/traffic-csv.md).
-- Save the result as CSV with a header and run: vpce-advisor analyze --traffic result.csv
-- Fields read: version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
WITH r AS (
  SELECT
    CASE WHEN connection_info.direction_id = 2 THEN NULLIF(CAST(src_endpoint.vpc_uid AS VARCHAR), '') ELSE NULLIF(CAST(dst_endpoint.vpc_uid AS VARCHAR), '') END AS vpc_id,
    COALESCE(NULLIF(CAST(cloud.region AS VARCHAR), ''), CAST("region" AS VARCHAR)) AS region,
    NULLIF(CAST(cloud.zone AS VARCHAR), '') AS az_id,
    CASE WHEN connection_info.direction_id = 2 THEN NULLIF(CAST(src_endpoint.interface_uid AS VARCHAR), '') ELSE NULLIF(CAST(dst_endpoint.interface_uid AS VARCHAR), '') END AS interface_id,
    COALESCE(COALESCE(NULLIF(CAST(element_at(src_endpoint.intermediate_ips, 1) AS VARCHAR), ''), NULLIF(CAST(src_endpoint.ip AS VARCHAR), '')), NULLIF(CAST(src_endpoint.ip AS VARCHAR), '')) AS src,
    COALESCE(COALESCE(NULLIF(CAST(element_at(dst_endpoint.intermediate_ips, 1) AS VARCHAR), ''), NULLIF(CAST(dst_endpoint.ip AS VARCHAR), '')), NULLIF(CAST(dst_endpoint.ip AS VARCHAR), '')) AS dst,
    NULLIF(CAST(src_endpoint.ip AS VARCHAR), '') AS psrc,
    NULLIF(CAST(dst_endpoint.ip AS VARCHAR), '') AS pdst,
    TRY_CAST(NULLIF(CAST(src_endpoint.port AS VARCHAR), '') AS BIGINT) AS sport,
    TRY_CAST(NULLIF(CAST(dst_endpoint.port AS VARCHAR), '') AS BIGINT) AS dport,
    CASE connection_info.direction_id WHEN 2 THEN 'egress' WHEN 1 THEN 'ingress' END AS fdir,
    CASE WHEN connection_info.boundary_id BETWEEN 4 AND 11 THEN CAST(connection_info.boundary_id - 3 AS VARCHAR) END AS tpath,
    NULLIF(CAST(src_endpoint.svc_name AS VARCHAR), '') AS hsrc,
    NULLIF(CAST(dst_endpoint.svc_name AS VARCHAR), '') AS hdst,
    CASE WHEN action_id = 2 THEN 'REJECT' WHEN action_id = 1 THEN 'ACCEPT' END AS act,
    upper(NULLIF(CAST(status_code AS VARCHAR), '')) AS log_status,
    TRY_CAST(NULLIF(CAST(traffic.packets AS VARCHAR), '') AS BIGINT) AS packets,
    TRY_CAST(NULLIF(CAST(traffic.bytes AS VARCHAR), '') AS BIGINT) AS bytes,
    TRY_CAST(substr(CAST(CAST(start_time AS BIGINT) AS VARCHAR), 1, length(CAST(CAST(start_time AS BIGINT) AS VARCHAR)) - 3) AS BIGINT) AS t0,
    TRY_CAST(substr(CAST(CAST(end_time AS BIGINT) AS VARCHAR), 1, length(CAST(CAST(end_time AS BIGINT) AS VARCHAR)) - 3) AS BIGINT) AS t1
  FROM "amazon_security_lake_glue_db_us_east_1"."amazon_security_lake_table_us_east_1_vpc_flow_2_0"
),
l AS (
  SELECT r.*,
    COALESCE(CASE WHEN src IS NULL THEN FALSE WHEN src LIKE '%:%' THEN (length(lower(split_part(src, ':', 1))) = 4 AND (substr(lower(split_part(src, ':', 1)), 1, 2) IN ('fc', 'fd', 'ff') OR substr(lower(split_part(src, ':', 1)), 1, 3) IN ('fe8', 'fe9', 'fea', 'feb'))) OR lower(src) IN ('::1', '::') ELSE (TRY_CAST(split_part(src, '.', 1) AS INTEGER) = 10 OR (TRY_CAST(split_part(src, '.', 1) AS INTEGER) = 172 AND TRY_CAST(split_part(src, '.', 2) AS INTEGER) BETWEEN 16 AND 31) OR (TRY_CAST(split_part(src, '.', 1) AS INTEGER) = 192 AND TRY_CAST(split_part(src, '.', 2) AS INTEGER) = 168) OR (TRY_CAST(split_part(src, '.', 1) AS INTEGER) = 100 AND TRY_CAST(split_part(src, '.', 2) AS INTEGER) BETWEEN 64 AND 127) OR (TRY_CAST(split_part(src, '.', 1) AS INTEGER) = 169 AND TRY_CAST(split_part(src, '.', 2) AS INTEGER) = 254) OR TRY_CAST(split_part(src, '.', 1) AS INTEGER) = 127 OR TRY_CAST(split_part(src, '.', 1) AS INTEGER) = 0 OR TRY_CAST(split_part(src, '.', 1) AS INTEGER) >= 224) END, FALSE) AS src_local,
    COALESCE(CASE WHEN dst IS NULL THEN FALSE WHEN dst LIKE '%:%' THEN (length(lower(split_part(dst, ':', 1))) = 4 AND (substr(lower(split_part(dst, ':', 1)), 1, 2) IN ('fc', 'fd', 'ff') OR substr(lower(split_part(dst, ':', 1)), 1, 3) IN ('fe8', 'fe9', 'fea', 'feb'))) OR lower(dst) IN ('::1', '::') ELSE (TRY_CAST(split_part(dst, '.', 1) AS INTEGER) = 10 OR (TRY_CAST(split_part(dst, '.', 1) AS INTEGER) = 172 AND TRY_CAST(split_part(dst, '.', 2) AS INTEGER) BETWEEN 16 AND 31) OR (TRY_CAST(split_part(dst, '.', 1) AS INTEGER) = 192 AND TRY_CAST(split_part(dst, '.', 2) AS INTEGER) = 168) OR (TRY_CAST(split_part(dst, '.', 1) AS INTEGER) = 100 AND TRY_CAST(split_part(dst, '.', 2) AS INTEGER) BETWEEN 64 AND 127) OR (TRY_CAST(split_part(dst, '.', 1) AS INTEGER) = 169 AND TRY_CAST(split_part(dst, '.', 2) AS INTEGER) = 254) OR TRY_CAST(split_part(dst, '.', 1) AS INTEGER) = 127 OR TRY_CAST(split_part(dst, '.', 1) AS INTEGER) = 0 OR TRY_CAST(split_part(dst, '.', 1) AS INTEGER) >= 224) END, FALSE) AS dst_local,
    COALESCE(CASE WHEN psrc IS NULL THEN FALSE WHEN psrc LIKE '%:%' THEN (length(lower(split_part(psrc, ':', 1))) = 4 AND (substr(lower(split_part(psrc, ':', 1)), 1, 2) IN ('fc', 'fd', 'ff') OR substr(lower(split_part(psrc, ':', 1)), 1, 3) IN ('fe8', 'fe9', 'fea', 'feb'))) OR lower(psrc) IN ('::1', '::') ELSE (TRY_CAST(split_part(psrc, '.', 1) AS INTEGER) = 10 OR (TRY_CAST(split_part(psrc, '.', 1) AS INTEGER) = 172 AND TRY_CAST(split_part(psrc, '.', 2) AS INTEGER) BETWEEN 16 AND 31) OR (TRY_CAST(split_part(psrc, '.', 1) AS INTEGER) = 192 AND TRY_CAST(split_part(psrc, '.', 2) AS INTEGER) = 168) OR (TRY_CAST(split_part(psrc, '.', 1) AS INTEGER) = 100 AND TRY_CAST(split_part(psrc, '.', 2) AS INTEGER) BETWEEN 64 AND 127) OR (TRY_CAST(split_part(psrc, '.', 1) AS INTEGER) = 169 AND TRY_CAST(split_part(psrc, '.', 2) AS INTEGER) = 254) OR TRY_CAST(split_part(psrc, '.', 1) AS INTEGER) = 127 OR TRY_CAST(split_part(psrc, '.', 1) AS INTEGER) = 0 OR TRY_CAST(split_part(psrc, '.', 1) AS INTEGER) >= 224) END, FALSE) AS psrc_local,
    COALESCE(CASE WHEN pdst IS NULL THEN FALSE WHEN pdst LIKE '%:%' THEN (length(lower(split_part(pdst, ':', 1))) = 4 AND (substr(lower(split_part(pdst, ':', 1)), 1, 2) IN ('fc', 'fd', 'ff') OR substr(lower(split_part(pdst, ':', 1)), 1, 3) IN ('fe8', 'fe9', 'fea', 'feb'))) OR lower(pdst) IN ('::1', '::') ELSE (TRY_CAST(split_part(pdst, '.', 1) AS INTEGER) = 10 OR (TRY_CAST(split_part(pdst, '.', 1) AS INTEGER) = 172 AND TRY_CAST(split_part(pdst, '.', 2) AS INTEGER) BETWEEN 16 AND 31) OR (TRY_CAST(split_part(pdst, '.', 1) AS INTEGER) = 192 AND TRY_CAST(split_part(pdst, '.', 2) AS INTEGER) = 168) OR (TRY_CAST(split_part(pdst, '.', 1) AS INTEGER) = 100 AND TRY_CAST(split_part(pdst, '.', 2) AS INTEGER) BETWEEN 64 AND 127) OR (TRY_CAST(split_part(pdst, '.', 1) AS INTEGER) = 169 AND TRY_CAST(split_part(pdst, '.', 2) AS INTEGER) = 254) OR TRY_CAST(split_part(pdst, '.', 1) AS INTEGER) = 127 OR TRY_CAST(split_part(pdst, '.', 1) AS INTEGER) = 0 OR TRY_CAST(split_part(pdst, '.', 1) AS INTEGER) >= 224) END, FALSE) AS pdst_local
  FROM r
),
d AS (
  SELECT l.*,
    CASE WHEN log_status = 'NODATA' THEN 'nodata'
      WHEN log_status = 'SKIPDATA' THEN 'skipdata'
      WHEN act = 'REJECT' THEN 'rejected'
      WHEN bytes IS NULL THEN 'no-bytes'
      ELSE 'accepted' END AS status,
    CASE WHEN src_local AND NOT dst_local THEN TRUE
      WHEN dst_local AND NOT src_local THEN FALSE
      WHEN fdir IN ('egress', 'ingress') THEN fdir = 'egress'
      ELSE NOT (sport IS NOT NULL AND dport IS NOT NULL AND sport < dport) END AS out_remote
  FROM l
),
e AS (
  SELECT d.*,
    CASE WHEN out_remote THEN dst ELSE src END AS plain,
    CASE WHEN out_remote THEN dst_local ELSE src_local END AS plain_local,
    CASE WHEN out_remote THEN pdst ELSE psrc END AS pkt,
    CASE WHEN out_remote THEN pdst_local ELSE psrc_local END AS pkt_local,
    (psrc IS NOT NULL AND NOT psrc_local) OR (pdst IS NOT NULL AND NOT pdst_local) AS pkt_public
  FROM d
),
f AS (
  SELECT status, vpc_id, region, az_id, interface_id,
    CASE WHEN out_remote THEN 'egress' ELSE 'ingress' END AS direction,
    CASE WHEN plain_local THEN NULL WHEN pkt IS NOT NULL AND NOT pkt_local THEN pkt ELSE plain END AS remote_addr,
    CASE WHEN NOT plain_local THEN NULL WHEN pkt_public THEN 'relayed' ELSE 'private' END AS destination,
    CASE WHEN plain_local THEN NULL WHEN out_remote THEN hdst ELSE hsrc END AS aws_service,
    CASE WHEN plain_local THEN NULL ELSE tpath END AS traffic_path,
    t0 - t0 % 3600 AS hour_start,
    CASE WHEN NOT src_local AND NOT dst_local THEN 1 ELSE 0 END AS both_public,
    bytes, packets, t0, t1
  FROM e
)
SELECT vpc_id, region, az_id, interface_id, direction, remote_addr, destination, aws_service,
  CAST(NULL AS VARCHAR) AS service_region, traffic_path, hour_start AS "hour",
  SUM(bytes) AS bytes, SUM(packets) AS packets, COUNT(*) AS records,
  MIN(t0) AS window_start, MAX(t1) AS window_end, status AS "status",
  SUM(both_public) AS "both_public"
FROM f
WHERE status = 'accepted'
GROUP BY vpc_id, region, az_id, interface_id, direction, remote_addr, destination, aws_service, traffic_path, hour_start, status
UNION ALL
SELECT CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR),
  CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR),
  hour_start, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), COUNT(*), MIN(t0), MAX(t1), status,
  CAST(NULL AS BIGINT)
FROM f
WHERE status <> 'accepted' AND t0 IS NOT NULL AND t1 IS NOT NULL
GROUP BY hour_start, status
ORDER BY 17 NULLS FIRST, 1 NULLS FIRST, 2 NULLS FIRST, 3 NULLS FIRST, 4 NULLS FIRST, 5 NULLS FIRST, 6 NULLS FIRST, 7 NULLS FIRST, 8 NULLS FIRST, 10 NULLS FIRST, 11 NULLS FIRST
