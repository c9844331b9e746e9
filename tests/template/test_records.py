"""Finding 6 (template side): logs kept and encrypted, failures queued, retried and alarmed."""

from __future__ import annotations

import fnmatch

from tests.template.cfn import ACCOUNT, REGION, Stack


def test_every_function_logs_to_a_declared_group_with_retention_and_a_customer_key(stack: Stack) -> None:
    groups = stack.of_type("AWS::Logs::LogGroup")
    functions = stack.of_type("AWS::Lambda::Function")
    assert functions
    for name, function in functions.items():
        target = function["Properties"]["LoggingConfig"]["LogGroup"]
        group = groups[target.strip("<>")]["Properties"]
        assert group["RetentionInDays"] == stack.values["LogRetentionDays"], name
        assert group["KmsKeyId"] == "<StewardKey.Arn>", name
        assert group["LogGroupName"].startswith("/aws/lambda/steward-"), name


def test_cloudwatch_logs_may_use_the_key_for_stewards_log_groups_only(stack: Stack) -> None:
    statements = stack.resources["StewardKey"]["Properties"]["KeyPolicy"]["Statement"]
    [logs] = [s for s in statements if s["Principal"] == {"Service": f"logs.{REGION}.amazonaws.com"}]
    context = logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    prefix = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:"
    for group in stack.of_type("AWS::Logs::LogGroup").values():
        assert fnmatch.fnmatchcase(prefix + group["Properties"]["LogGroupName"], context)
    assert not fnmatch.fnmatchcase(prefix + "/aws/lambda/other", context)


def test_the_log_retention_parameter_defaults_to_a_year(stack: Stack) -> None:
    assert stack.parameters["LogRetentionDays"]["Default"] == 365


def test_every_eventbridge_target_has_a_dead_letter_queue_and_a_retry_policy(stack: Stack) -> None:
    rules = stack.of_type("AWS::Events::Rule")
    # Retention: sweep; final snapshot: sweep, tag and delete calls; purge: 3 KMS, operator, check.
    assert len(rules) == 9
    for name, rule in rules.items():
        for target in rule["Properties"]["Targets"]:
            assert target["DeadLetterConfig"] == {"Arn": "<FailedInvocationsQueue.Arn>"}, name
            assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 1, name
            assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] >= 3600, name


def test_eventbridge_may_send_dead_letters_to_the_encrypted_queue(stack: Stack) -> None:
    [policy] = stack.of_type("AWS::SQS::QueuePolicy").values()
    [statement] = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    assert statement["Condition"]["ArnLike"] == {"aws:SourceArn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/*"}
    key = stack.resources["StewardKey"]["Properties"]["KeyPolicy"]["Statement"]
    assert any(s["Principal"] == {"Service": "events.amazonaws.com"} for s in key)
    assert stack.resources["FailedInvocationsQueue"]["Properties"]["KmsMasterKeyId"] == "<StewardKey>"


def test_one_message_in_the_failure_queue_alarms(stack: Stack) -> None:
    [alarm] = [
        a["Properties"]
        for a in stack.of_type("AWS::CloudWatch::Alarm").values()
        if a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
    ]
    assert alarm["Namespace"] == "AWS/SQS"
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": "<FailedInvocationsQueue.QueueName>"}]
    assert alarm["Threshold"] == 0
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["AlarmActions"] == ["<AlertsTopic>"]
