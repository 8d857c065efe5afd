"""What the verdict reads in prod, through prod's shadow-verdict reader role.

``prod_session`` assumes the role (the session name carries the CodePipeline job id,
so prod's CloudTrail shows which promotion read). ``capture_bucket`` reads the name
ServingFoundation publishes (``/<platform>/serving/data-capture-bucket``).
``variant_answers`` reads the capture files of one variant, below
``data-capture/<endpoint>/<variant>/yyyy/mm/dd/hh/`` for each hour the period overlaps
(SageMaker's layout), up to ``MAX_FILES`` per variant. ``p95_latency`` asks CloudWatch
for the variant's p95 ``ModelLatency`` (``AWS/SageMaker``, µs) over the period, in one
period as long as it (several when CloudWatch splits it at its period boundaries: the
highest counts).
"""

from datetime import datetime, timedelta
from typing import Any

import boto3

from variant_capture import VariantAnswers, read_answers

DATA_CAPTURE_PREFIX = "data-capture"
# Bounds the reading time of a verdict; a period with more files is judged on the first ones.
MAX_FILES = 2000
HOUR_FOLDER = "%Y/%m/%d/%H/"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


def prod_session(sts: Any, role_arn: str, session_name: str) -> boto3.Session:
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name[:64])["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def capture_bucket(ssm: Any, parameter_name: str) -> str:
    return ssm.get_parameter(Name=parameter_name)["Parameter"]["Value"]


def hour_prefixes(endpoint_name: str, variant: str, start: datetime, end: datetime) -> list[str]:
    """The capture folders of ``variant`` whose hour overlaps ``[start, end)``."""
    moment = start.replace(minute=0, second=0, microsecond=0)
    prefixes = []
    while moment < end:
        prefixes.append(f"{DATA_CAPTURE_PREFIX}/{endpoint_name}/{variant}/{moment.strftime(HOUR_FOLDER)}")
        moment += timedelta(hours=1)
    return prefixes


def variant_answers(s3: Any, bucket: str, endpoint_name: str, variant: str, start: datetime,
                    end: datetime) -> VariantAnswers:
    answers = VariantAnswers()
    window = (start.strftime(TIME_FORMAT), end.strftime(TIME_FORMAT))
    files = 0
    for prefix in hour_prefixes(endpoint_name, variant, start, end):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                if files == MAX_FILES:
                    return answers
                files += 1
                body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"]
                read_answers(body.iter_lines(), window, into=answers)
    return answers


def p95_latency(cloudwatch: Any, endpoint_name: str, variant: str, start: datetime, end: datetime) -> float | None:
    seconds = max(60, -(-int((end - start).total_seconds()) // 60) * 60)
    response = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "latency",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/SageMaker",
                        "MetricName": "ModelLatency",
                        "Dimensions": [
                            {"Name": "EndpointName", "Value": endpoint_name},
                            {"Name": "VariantName", "Value": variant},
                        ],
                    },
                    "Period": seconds,
                    "Stat": "p95",
                },
            }
        ],
        StartTime=start,
        EndTime=end,
    )
    values = [value for result in response["MetricDataResults"] for value in result.get("Values", [])]
    return max(values) if values else None
