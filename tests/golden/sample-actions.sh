#!/usr/bin/env bash
# actions.sh: the VPC endpoints vpce-advisor recommends (policy secure), as AWS CLI commands.
# Written by vpce-advisor 0.1.0 next to report.json; the tool never runs it.
#
# 1. Read every command and replace each '<placeholder>': the route tables of the private
#    subnets (gateway endpoints), one subnet per AZ and a security group that allows tcp/443
#    from the VPC CIDR (interface endpoints). To list them:
#      aws ec2 describe-route-tables --filters Name=vpc-id,Values=<vpc-id>
#      aws ec2 describe-subnets --filters Name=vpc-id,Values=<vpc-id>
# 2. bash actions.sh              prints the commands (dry run, the default)
# 3. DRY_RUN=0 bash actions.sh    creates the endpoints; refuses while a placeholder is left
# The tool does not know the endpoints you already have, and each run creates new ones: check
# first with  aws ec2 describe-vpc-endpoints --filters Name=vpc-id,Values=<vpc-id>
#
# Endpoint policy (optional, least privilege): endpoint-policy.json allows the endpoints to be
# used only by principals of your account (condition aws:PrincipalAccount). Put your account id
# in it, then run with ENDPOINT_POLICY=1 to attach it to every endpoint. Anonymous requests
# (public buckets, package repositories read without credentials) are then refused through the
# endpoint: add statements for them if your workloads need them.
set -euo pipefail

DRY_RUN="${DRY_RUN:-1}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
POLICY_ARGS=()
if [[ "${ENDPOINT_POLICY:-0}" == 1 ]]; then
  if [[ ! -f "$HERE/endpoint-policy.json" ]]; then
    echo "actions.sh: $HERE/endpoint-policy.json is missing" >&2
    exit 1
  fi
  if [[ "$DRY_RUN" == 0 ]] && grep -q '<' "$HERE/endpoint-policy.json"; then
    echo "actions.sh: put your account id in $HERE/endpoint-policy.json first" >&2
    exit 1
  fi
  POLICY_ARGS=(--policy-document "file://$HERE/endpoint-policy.json")
fi

# Prints the command (dry run) or runs it once no argument is a <placeholder>.
run() {
  if [[ "$DRY_RUN" != 0 ]]; then
    printf 'would run:'
    printf ' %q' "$@"
    printf '\n'
    return 0
  fi
  local arg
  for arg in "$@"; do
    if [[ "$arg" == *'<'*'>'* ]]; then
      echo "actions.sh: replace the placeholder $arg first" >&2
      exit 1
    fi
  done
  "$@"
}

# ================================================================================================
# VPC vpc-0a1b2c3d4e5f60001 in us-east-1: gateway+interface, saves $143.23/month against NAT only
# ================================================================================================

# Gateway endpoint for s3 (2,502.14 GB/month off NAT; no hourly or per-GB charge).
# Associate it with the route tables of the subnets that reach the service today through a NAT
# gateway.
run aws ec2 create-vpc-endpoint \
  --region us-east-1 \
  --vpc-id vpc-0a1b2c3d4e5f60001 \
  --vpc-endpoint-type Gateway \
  --service-name com.amazonaws.us-east-1.s3 \
  --route-table-ids '<route-table-id>' \
  --tag-specifications 'ResourceType=vpc-endpoint,Tags=[{Key=Name,Value=vpce-advisor-s3},{Key=created-by,Value=vpce-advisor}]' \
  ${POLICY_ARGS[@]+"${POLICY_ARGS[@]}"}

# Gateway endpoint for dynamodb (63.21 GB/month off NAT; no hourly or per-GB charge).
# Associate it with the route tables of the subnets that reach the service today through a NAT
# gateway.
run aws ec2 create-vpc-endpoint \
  --region us-east-1 \
  --vpc-id vpc-0a1b2c3d4e5f60001 \
  --vpc-endpoint-type Gateway \
  --service-name com.amazonaws.us-east-1.dynamodb \
  --route-table-ids '<route-table-id>' \
  --tag-specifications 'ResourceType=vpc-endpoint,Tags=[{Key=Name,Value=vpce-advisor-dynamodb},{Key=created-by,Value=vpce-advisor}]' \
  ${POLICY_ARGS[@]+"${POLICY_ARGS[@]}"}

# Interface endpoint(s) for other AWS APIs (1,211.15 GB/month off NAT).
# The logs show AMAZON-range addresses only: name each service from DNS query logs (ssm,
# ssmmessages, ec2messages, sts, sqs, kms, ecr.api, ecr.dkr, logs, monitoring...) and create one
# endpoint per service, replacing <service>; each one is billed per AZ-hour.
# Private DNS makes the service's public name resolve to the endpoint (needs the VPC's
# enableDnsSupport and enableDnsHostnames).
run aws ec2 create-vpc-endpoint \
  --region us-east-1 \
  --vpc-id vpc-0a1b2c3d4e5f60001 \
  --vpc-endpoint-type Interface \
  --service-name 'com.amazonaws.us-east-1.<service>' \
  --subnet-ids '<subnet-id-in-use1-az1>' '<subnet-id-in-use1-az2>' \
  --security-group-ids '<sg-id allowing tcp/443 from the VPC CIDR>' \
  --private-dns-enabled \
  --tag-specifications 'ResourceType=vpc-endpoint,Tags=[{Key=Name,Value=vpce-advisor-other-aws},{Key=created-by,Value=vpce-advisor}]' \
  ${POLICY_ARGS[@]+"${POLICY_ARGS[@]}"}

# ================================================================================================
# VPC vpc-0a1b2c3d4e5f60002 in eu-west-1: gateway-endpoints, saves $32.70/month against NAT only
# ================================================================================================

# Gateway endpoint for s3 (669.33 GB/month off NAT; no hourly or per-GB charge).
# Associate it with the route tables of the subnets that reach the service today through a NAT
# gateway.
run aws ec2 create-vpc-endpoint \
  --region eu-west-1 \
  --vpc-id vpc-0a1b2c3d4e5f60002 \
  --vpc-endpoint-type Gateway \
  --service-name com.amazonaws.eu-west-1.s3 \
  --route-table-ids '<route-table-id>' \
  --tag-specifications 'ResourceType=vpc-endpoint,Tags=[{Key=Name,Value=vpce-advisor-s3},{Key=created-by,Value=vpce-advisor}]' \
  ${POLICY_ARGS[@]+"${POLICY_ARGS[@]}"}

# Gateway endpoint for dynamodb (11.93 GB/month off NAT; no hourly or per-GB charge).
# Associate it with the route tables of the subnets that reach the service today through a NAT
# gateway.
run aws ec2 create-vpc-endpoint \
  --region eu-west-1 \
  --vpc-id vpc-0a1b2c3d4e5f60002 \
  --vpc-endpoint-type Gateway \
  --service-name com.amazonaws.eu-west-1.dynamodb \
  --route-table-ids '<route-table-id>' \
  --tag-specifications 'ResourceType=vpc-endpoint,Tags=[{Key=Name,Value=vpce-advisor-dynamodb},{Key=created-by,Value=vpce-advisor}]' \
  ${POLICY_ARGS[@]+"${POLICY_ARGS[@]}"}

# ================================================================================================
# VPC vpc-0a1b2c3d4e5f60003 in eu-west-1: gateway-endpoints, saves $0.24/month against NAT only
# ================================================================================================

# Gateway endpoint for s3 (5.06 GB/month off NAT; no hourly or per-GB charge).
# Associate it with the route tables of the subnets that reach the service today through a NAT
# gateway.
run aws ec2 create-vpc-endpoint \
  --region eu-west-1 \
  --vpc-id vpc-0a1b2c3d4e5f60003 \
  --vpc-endpoint-type Gateway \
  --service-name com.amazonaws.eu-west-1.s3 \
  --route-table-ids '<route-table-id>' \
  --tag-specifications 'ResourceType=vpc-endpoint,Tags=[{Key=Name,Value=vpce-advisor-s3},{Key=created-by,Value=vpce-advisor}]' \
  ${POLICY_ARGS[@]+"${POLICY_ARGS[@]}"}

# ================================================================================================
# VPC vpc-0a1b2c3d4e5f60004 in us-east-1: gateway-endpoints, saves $0.41/month against NAT only
# ================================================================================================

# Gateway endpoint for dynamodb (9.08 GB/month off NAT; no hourly or per-GB charge).
# Associate it with the route tables of the subnets that reach the service today through a NAT
# gateway.
run aws ec2 create-vpc-endpoint \
  --region us-east-1 \
  --vpc-id vpc-0a1b2c3d4e5f60004 \
  --vpc-endpoint-type Gateway \
  --service-name com.amazonaws.us-east-1.dynamodb \
  --route-table-ids '<route-table-id>' \
  --tag-specifications 'ResourceType=vpc-endpoint,Tags=[{Key=Name,Value=vpce-advisor-dynamodb},{Key=created-by,Value=vpce-advisor}]' \
  ${POLICY_ARGS[@]+"${POLICY_ARGS[@]}"}

# ================================================================================================
# VPC vpc-0a1b2c3d4e5f60005 in eu-west-1: gateway-endpoints, saves $2.54/month against NAT only
# ================================================================================================

# Gateway endpoint for s3 (52.90 GB/month off NAT; no hourly or per-GB charge).
# Associate it with the route tables of the subnets that reach the service today through a NAT
# gateway.
run aws ec2 create-vpc-endpoint \
  --region eu-west-1 \
  --vpc-id vpc-0a1b2c3d4e5f60005 \
  --vpc-endpoint-type Gateway \
  --service-name com.amazonaws.eu-west-1.s3 \
  --route-table-ids '<route-table-id>' \
  --tag-specifications 'ResourceType=vpc-endpoint,Tags=[{Key=Name,Value=vpce-advisor-s3},{Key=created-by,Value=vpce-advisor}]' \
  ${POLICY_ARGS[@]+"${POLICY_ARGS[@]}"}
