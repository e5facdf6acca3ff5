"""CloudTrail, its log groups, CloudWatch alarms and metric filters, SNS subscriptions, the KMS
keys of trails and alarm topics, budgets, GuardDuty and Access Analyzer.
Regional calls run in parallel; the number of calls grows with regions, trails,
alarm topics and their keys, never with users."""
from __future__ import annotations

from concurrent.futures import Executor, wait
from typing import Any

from ...alerting import AWS_MANAGED_SNS_KEY
from ...model import SENSITIVE, Unknown, Untraced
from .reader import ReadFailed

BILLING_REGION = "us-east-1"
TYPES = ("aws_cloudtrail", "aws_cloudwatch_log_group", "aws_cloudwatch_log_metric_filter", "aws_cloudwatch_metric_alarm",
         "aws_sns_topic", "aws_sns_topic_subscription", "aws_budgets_budget", "aws_guardduty_detector",
         "aws_accessanalyzer_analyzer", "aws_kms_key", "aws_kms_alias")


def read(scan: Any, pool: Executor) -> None:
    regional = [pool.submit(reader, scan, region) for region in scan.regions for reader in (_guardduty, _analyzers)]
    regional.append(pool.submit(_budgets, scan))
    trails = _trails(scan, pool)
    log_groups = {_log_group(t) for t in trails} - {None}
    alarm_regions = {BILLING_REGION} | {region for region, _ in log_groups}
    alarm_reads = [pool.submit(_alarms, scan, region) for region in sorted(alarm_regions)]
    filter_reads = [pool.submit(_metric_filters, scan, region, name) for region, name in sorted(log_groups)]
    topics = {arn for future in alarm_reads for arn in future.result()}
    subscription_reads = [pool.submit(_subscriptions, scan, arn) for arn in sorted(topics)]
    encrypted = [(trail, "kms_key_id", trail["arn"]) for trail in trails] + \
        [(topic, "kms_master_key_id", topic["arn"]) for topic in (f.result() for f in subscription_reads) if topic]
    _keys(scan, pool, encrypted)
    for future in regional + filter_reads:
        future.result()


def _region_of(arn: str) -> str:
    return arn.split(":")[3]


def _trails(scan: Any, pool: Executor) -> list[dict[str, Any]]:
    """Every trail seen from any region in scope (multi-region and organization
    trails show in every region), with its logging status and event selectors."""
    described = {region: pool.submit(scan.reader.pages, "cloudtrail", region, "DescribeTrails", "trailList",
                                     includeShadowTrails=True) for region in scan.regions}
    wait(described.values())
    trails: dict[str, dict[str, Any]] = {}
    for region, future in described.items():
        try:
            for trail in future.result():
                trails.setdefault(trail["TrailARN"], trail)
        except ReadFailed as failure:
            scan.cannot_read(["aws_cloudtrail"], failure)
            return []
    done = [pool.submit(_trail, scan, trail) for trail in trails.values()]
    return [future.result() for future in done]


def _trail(scan: Any, trail: dict[str, Any]) -> dict[str, Any]:
    arn, home = trail["TrailARN"], trail.get("HomeRegion") or _region_of(trail["TrailARN"])
    values: dict[str, Any] = {
        "name": trail.get("Name"), "arn": arn, "home_region": home,
        "is_multi_region_trail": trail.get("IsMultiRegionTrail", False),
        "include_global_service_events": trail.get("IncludeGlobalServiceEvents", False),
        "enable_log_file_validation": trail.get("LogFileValidationEnabled", False),
        "is_organization_trail": trail.get("IsOrganizationTrail", False),
        "kms_key_id": trail.get("KmsKeyId"), "s3_bucket_name": trail.get("S3BucketName"),
        "cloud_watch_logs_group_arn": trail.get("CloudWatchLogsLogGroupArn"),
        "cloud_watch_logs_role_arn": trail.get("CloudWatchLogsRoleArn"),
    }
    try:
        status = scan.reader.call("cloudtrail", home, "GetTrailStatus", Name=arn)
        values["enable_logging"] = status.get("IsLogging")
        # CloudTrail's own word on whether the bucket takes its log files (README: Trails)
        values["latest_delivery_error"] = status.get("LatestDeliveryError") or ""
        values["latest_delivery_time"] = str(status.get("LatestDeliveryTime") or "")
    except ReadFailed as failure:
        values["enable_logging"] = values["latest_delivery_error"] = Unknown(str(failure))
    try:
        selectors = scan.reader.call("cloudtrail", home, "GetEventSelectors", TrailName=arn)
        values["event_selector"] = [
            {"read_write_type": s.get("ReadWriteType", "All"),
             "include_management_events": s.get("IncludeManagementEvents", True),
             "exclude_management_event_sources": s.get("ExcludeManagementEventSources") or []}
            for s in selectors.get("EventSelectors") or ()]
        values["advanced_event_selector"] = [
            {"name": s.get("Name"),
             "field_selector": [{"field": f.get("Field"), "equals": f.get("Equals"),
                                 "not_equals": f.get("NotEquals"), "starts_with": f.get("StartsWith")}
                                for f in s.get("FieldSelectors") or ()]}
            for s in selectors.get("AdvancedEventSelectors") or ()]
    except ReadFailed as failure:
        values["event_selector"] = values["advanced_event_selector"] = Unknown(str(failure))
    scan.add("aws_cloudtrail", arn, values, region=home)
    return values


def _log_group(trail: dict[str, Any]) -> tuple[str, str] | None:
    """(region, name) of the log group a trail delivers to."""
    arn = trail.get("cloud_watch_logs_group_arn")
    if not arn or ":log-group:" not in arn:
        return None
    return _region_of(arn), arn.split(":log-group:", 1)[1].removesuffix(":*")


def _metric_filters(scan: Any, region: str, log_group: str) -> None:
    """The metric filters on a trail's log group, and the group itself (its class:
    metric filters work only on Standard log groups)."""
    try:
        groups = scan.reader.pages("logs", region, "DescribeLogGroups", "logGroups", logGroupNamePrefix=log_group)
    except ReadFailed as failure:
        scan.cannot_read(["aws_cloudwatch_log_group"], failure)
    else:
        for group in (g for g in groups if g.get("logGroupName") == log_group):
            arn = group.get("logGroupArn") or f"arn:aws:logs:{region}:{scan.account_id}:log-group:{log_group}"
            scan.add("aws_cloudwatch_log_group", arn, {"name": log_group, "arn": arn,
                                                       "log_group_class": group.get("logGroupClass")}, region=region)
    try:
        filters = scan.reader.pages("logs", region, "DescribeMetricFilters", "metricFilters", logGroupName=log_group)
    except ReadFailed as failure:
        scan.cannot_read(["aws_cloudwatch_log_metric_filter"], failure)
        return
    for f in filters:
        scan.add("aws_cloudwatch_log_metric_filter",
                 f"arn:aws:logs:{region}:{scan.account_id}:log-group:{log_group}#metric-filter/{f['filterName']}",
                 {"name": f["filterName"], "log_group_name": f.get("logGroupName", log_group),
                  "pattern": f.get("filterPattern", ""),
                  "metric_transformation": [{"name": t.get("metricName"), "namespace": t.get("metricNamespace"),
                                             "value": t.get("metricValue"), "default_value": t.get("defaultValue"),
                                             "dimensions": t.get("dimensions") or {}, "unit": t.get("unit")}
                                            for t in f.get("metricTransformations") or ()]},
                 region=region)


def _metric(metric: dict[str, Any]) -> dict[str, Any]:
    return {"namespace": metric.get("Namespace"), "metric_name": metric.get("MetricName"),
            "dimensions": {d["Name"]: d["Value"] for d in metric.get("Dimensions") or ()}}


def _alarms(scan: Any, region: str) -> set[str]:
    """The region's metric alarms; returns the SNS topics they act on."""
    try:
        alarms = scan.reader.pages("cloudwatch", region, "DescribeAlarms", "MetricAlarms", AlarmTypes=["MetricAlarm"])
    except ReadFailed as failure:
        scan.cannot_read(["aws_cloudwatch_metric_alarm"], failure)
        return set()
    topics = set()
    for alarm in alarms:
        values = {"alarm_name": alarm["AlarmName"], "arn": alarm.get("AlarmArn"), **_metric(alarm),
                  "statistic": alarm.get("Statistic"), "extended_statistic": alarm.get("ExtendedStatistic"),
                  "threshold": alarm.get("Threshold"), "threshold_metric_id": alarm.get("ThresholdMetricId"),
                  "comparison_operator": alarm.get("ComparisonOperator"),
                  "period": alarm.get("Period"), "evaluation_periods": alarm.get("EvaluationPeriods"),
                  "datapoints_to_alarm": alarm.get("DatapointsToAlarm"),
                  "treat_missing_data": alarm.get("TreatMissingData"), "unit": alarm.get("Unit"),
                  "evaluate_low_sample_count_percentiles": alarm.get("EvaluateLowSampleCountPercentile"),
                  "actions_enabled": alarm.get("ActionsEnabled", True),
                  "alarm_actions": list(alarm.get("AlarmActions") or ()),
                  "ok_actions": list(alarm.get("OKActions") or ()),
                  "insufficient_data_actions": list(alarm.get("InsufficientDataActions") or ())}
        if alarm.get("Metrics"):
            values["metric_query"] = [{"id": q.get("Id"), "expression": q.get("Expression"),
                                       "return_data": q.get("ReturnData", True),
                                       "metric": [_metric(q["MetricStat"]["Metric"])] if q.get("MetricStat") else []}
                                      for q in alarm["Metrics"]]
        scan.add("aws_cloudwatch_metric_alarm", alarm.get("AlarmArn") or alarm["AlarmName"], values, region=region)
        topics.update(a for a in values["alarm_actions"] if a.startswith("arn:") and ":sns:" in a)
    return topics


def _subscriptions(scan: Any, topic_arn: str) -> None:
    region = _region_of(topic_arn)
    try:
        subscriptions = scan.reader.pages("sns", region, "ListSubscriptionsByTopic", "Subscriptions",
                                          TopicArn=topic_arn)
    except ReadFailed as failure:
        scan.cannot_read(["aws_sns_topic_subscription"], failure)
        return
    try:
        attributes = scan.read("sns", region, "GetTopicAttributes", TopicArn=topic_arn).get("Attributes") or {}
    except ReadFailed as failure:  # encryption and policy decide delivery: nothing about the topic is known
        scan.cannot_read(["aws_sns_topic_subscription"], failure)
        return None
    topic = {"arn": topic_arn, "name": topic_arn.rsplit(":", 1)[-1],
             "kms_master_key_id": attributes.get("KmsMasterKeyId"),
             "fifo_topic": attributes.get("FifoTopic") == "true", "policy": attributes.get("Policy")}
    scan.add("aws_sns_topic", topic_arn, topic, region=region)
    for number, s in enumerate(subscriptions):
        pending = s.get("SubscriptionArn") in ("PendingConfirmation", "Deleted")
        values = {"topic_arn": topic_arn, "protocol": s.get("Protocol"), "endpoint": SENSITIVE,
                  "pending_confirmation": pending}
        if not pending:
            try:
                attributes = scan.reader.call("sns", region, "GetSubscriptionAttributes",
                                              SubscriptionArn=s["SubscriptionArn"]).get("Attributes") or {}
                values.update(filter_policy=attributes.get("FilterPolicy"),
                              filter_policy_scope=attributes.get("FilterPolicyScope"))
            except ReadFailed as failure:
                values["filter_policy"] = Unknown(str(failure))
        scan.add("aws_sns_topic_subscription", f"{topic_arn}#unconfirmed/{number}" if pending
                 else s["SubscriptionArn"], values, region=region)
    return topic


def _key_arn(reference: str, owner_arn: str) -> str:
    """The key or alias ARN a KmsKeyId names, as KMS resolves a key ID or an alias name:
    in the region and account of the resource that names it. Qualified, a reference
    cannot match a key of another region (a multi-Region key's replicas share its ID;
    alias names repeat across regions)."""
    if reference.startswith("arn:"):
        return reference
    _, partition, _, region, account = owner_arn.split(":")[:5]
    resource = reference if reference.startswith("alias/") else f"key/{reference}"
    return f"arn:{partition}:kms:{region}:{account}:{resource}"


def _keys(scan: Any, pool: Executor, encrypted: list[tuple[dict[str, Any], str, str]]) -> None:
    """The KMS keys that trails and alarm topics encrypt with, as `aws_kms_key` (state,
    spec, usage and key policy, the attributes a plan has) and `aws_kms_alias` for a
    reference through an alias, which KMS's DescribeKey resolves. Each reference is
    rewritten to the ARN it resolves to. A key of another account is not read
    (GetKeyPolicy is not cross-account); an AWS managed key's alias (alias/aws/...) is
    not resolved, since DescribeKey on one whose key does not exist yet creates it: the
    topic control judges alias/aws/sns by name, any other stays unseen. A key that
    cannot be read makes its references unknown, never absent."""
    references: dict[str, list[tuple[dict[str, Any], str]]] = {}
    for values, attr, owner in encrypted:
        reference = values.get(attr)
        if not isinstance(reference, str) or not reference:
            continue
        if reference.startswith("alias/aws/") or ":alias/aws/" in reference:
            if reference != AWS_MANAGED_SNS_KEY or attr != "kms_master_key_id":
                values[attr] = Untraced(f"{reference} is the alias of an AWS managed key, which accountguard does "
                                        "not resolve (DescribeKey would create a key that does not exist yet)")
            continue
        values[attr] = arn = _key_arn(reference, owner)
        if arn.split(":")[4] != scan.account_id:
            continue
        references.setdefault(arn, []).append((values, attr))
    described = {arn: pool.submit(scan.reader.call, "kms", _region_of(arn), "DescribeKey", KeyId=arn)
                 for arn in sorted(references)}
    metadata: dict[str, dict[str, Any]] = {}
    for arn, future in described.items():
        try:
            metadata[arn] = future.result()["KeyMetadata"]
        except ReadFailed as failure:
            for values, attr in references[arn]:
                values[attr] = Untraced(f"the key {arn} cannot be read: {failure}")
    keys = {m["Arn"]: m for m in metadata.values()}
    policies = {arn: pool.submit(scan.read, "kms", _region_of(arn), "GetKeyPolicy", KeyId=arn,
                                 PolicyName="default") for arn in sorted(keys)}
    for arn, future in policies.items():
        try:
            policy = future.result().get("Policy")
            if not isinstance(policy, str):
                raise ReadFailed("kms:GetKeyPolicy", ValueError("the answer holds no policy"))
        except ReadFailed as failure:
            for alias, m in metadata.items():
                if m["Arn"] == arn:
                    for values, attr in references[alias]:
                        values[attr] = Untraced(f"the policy of key {arn} cannot be read: {failure}")
            continue
        m = keys[arn]
        enabled, spec = m.get("Enabled"), m.get("KeySpec") or m.get("CustomerMasterKeySpec")
        scan.add("aws_kms_key", arn, {
            "arn": arn, "key_id": m.get("KeyId"), "description": m.get("Description"),
            "is_enabled": enabled if isinstance(enabled, bool) else Unknown("kms:DescribeKey did not say"),
            "key_state": m.get("KeyState"), "key_usage": m.get("KeyUsage"),
            "customer_master_key_spec": spec if isinstance(spec, str) else Unknown("kms:DescribeKey did not say"),
            "origin": m.get("Origin"), "key_manager": m.get("KeyManager"), "multi_region": m.get("MultiRegion"),
            "policy": policy}, region=_region_of(arn))
    for reference, m in metadata.items():
        if ":alias/" in reference and m["Arn"] in keys:
            scan.add("aws_kms_alias", reference, {"arn": reference, "name": reference.split(":", 5)[5],
                                                  "target_key_id": m["Arn"]}, region=_region_of(reference))


def _budgets(scan: Any) -> None:
    reader, account = scan.reader, scan.account_id
    try:
        budgets = reader.pages("budgets", BILLING_REGION, "DescribeBudgets", "Budgets", AccountId=account)
        for budget in budgets:
            name = budget["BudgetName"]
            notifications = []
            if budget.get("BudgetType") == "COST":
                for n in reader.pages("budgets", BILLING_REGION, "DescribeNotificationsForBudget", "Notifications",
                                      AccountId=account, BudgetName=name):
                    subscribers = reader.pages("budgets", BILLING_REGION, "DescribeSubscribersForNotification",
                                               "Subscribers", AccountId=account, BudgetName=name, Notification=n)
                    notifications.append({
                        "notification_type": n.get("NotificationType"), "threshold": n.get("Threshold"),
                        "comparison_operator": n.get("ComparisonOperator"),
                        "subscriber_email_addresses": [SENSITIVE for s in subscribers
                                                       if s.get("SubscriptionType") == "EMAIL"],
                        "subscriber_sns_topic_arns": [s["Address"] for s in subscribers
                                                      if s.get("SubscriptionType") == "SNS"]})
            scan.add("aws_budgets_budget", f"arn:aws:budgets::{account}:budget/{name}",
                     {"name": name, "budget_type": budget.get("BudgetType"),
                      "limit_amount": (budget.get("BudgetLimit") or {}).get("Amount"),
                      "cost_filter": [{"name": key, "values": values}
                                      for key, values in (budget.get("CostFilters") or {}).items()],
                      "auto_adjust_data": [{"auto_adjust_type": budget["AutoAdjustData"].get("AutoAdjustType")}]
                      if budget.get("AutoAdjustData") else [],
                      "time_unit": budget.get("TimeUnit"), "notification": notifications,
                      **{attr: _day(budget, key) for attr, key in (("time_period_start", "Start"),
                                                                    ("time_period_end", "End"))}},
                     region=BILLING_REGION)
    except ReadFailed as failure:
        scan.cannot_read(["aws_budgets_budget"], failure)


def _day(budget: dict[str, Any], key: str) -> str | None:
    """A budget's start or end as Terraform writes it (2087-06-15_00:00)."""
    when = (budget.get("TimePeriod") or {}).get(key)
    return when.strftime("%Y-%m-%d_%H:%M") if hasattr(when, "strftime") else None


def _guardduty(scan: Any, region: str) -> None:
    try:
        for detector_id in scan.reader.pages("guardduty", region, "ListDetectors", "DetectorIds"):
            try:
                status: Any = scan.reader.call("guardduty", region, "GetDetector", DetectorId=detector_id).get("Status")
                enable: Any = status == "ENABLED"
            except ReadFailed as failure:
                enable = status = Unknown(str(failure))
            scan.add("aws_guardduty_detector", f"arn:aws:guardduty:{region}:{scan.account_id}:detector/{detector_id}",
                     {"id": detector_id, "enable": enable, "status": status}, region=region)
    except ReadFailed as failure:
        scan.cannot_read(["aws_guardduty_detector"], failure)


def _analyzers(scan: Any, region: str) -> None:
    try:
        analyzers = scan.reader.pages("accessanalyzer", region, "ListAnalyzers", "analyzers")
    except ReadFailed as failure:
        scan.cannot_read(["aws_accessanalyzer_analyzer"], failure)
        return
    for analyzer in analyzers:
        active = analyzer.get("status") == "ACTIVE"
        scan.add("aws_accessanalyzer_analyzer", analyzer["arn"],
                 {"analyzer_name": analyzer.get("name"), "arn": analyzer["arn"], "status": analyzer.get("status"),
                  "type": analyzer.get("type") if active else f"{analyzer.get('type')} ({analyzer.get('status')})"},
                 region=region)
