"""Amazon S3's endpoint for each region (libcloud's table), kept apart from the driver's behaviour."""

from __future__ import annotations

__all__ = ["REGION_TO_HOST_MAP"]

REGION_TO_HOST_MAP = {
    "us-east-1": "s3.amazonaws.com",
    "us-east-2": "s3.us-east-2.amazonaws.com",
    "us-west-1": "s3.us-west-1.amazonaws.com",
    "us-west-2": "s3.us-west-2.amazonaws.com",
    "ca-central-1": "s3.ca-central-1.amazonaws.com",
    "eu-west-1": "s3.eu-west-1.amazonaws.com",
    "eu-west-2": "s3.eu-west-2.amazonaws.com",
    "eu-west-3": "s3.eu-west-3.amazonaws.com",
    "eu-central-1": "s3.eu-central-1.amazonaws.com",
    "eu-north-1": "s3.eu-north-1.amazonaws.com",
    "eu-south-1": "s3.eu-south-1.amazonaws.com",
    "ap-south-1": "s3.ap-south-1.amazonaws.com",
    "ap-southeast-1": "s3.ap-southeast-1.amazonaws.com",
    "ap-southeast-2": "s3.ap-southeast-2.amazonaws.com",
    "ap-northeast-1": "s3.ap-northeast-1.amazonaws.com",
    "ap-northeast-2": "s3.ap-northeast-2.amazonaws.com",
    "ap-northeast-3": "s3.ap-northeast-3.amazonaws.com",
    "sa-east-1": "s3.sa-east-1.amazonaws.com",
    "cn-north-1": "s3.cn-north-1.amazonaws.com.cn",
    "cn-northwest-1": "s3.cn-northwest-1.amazonaws.com.cn",
    "us-gov-east-1": "s3.us-gov-east-1.amazonaws.com",
    "us-gov-west-1": "s3.us-gov-west-1.amazonaws.com",
    "me-south-1": "s3.me-south-1.amazonaws.com",
    "me-central-1": "s3.me-central-1.amazonaws.com",
    "af-south-1": "s3.af-south-1.amazonaws.com",
}
