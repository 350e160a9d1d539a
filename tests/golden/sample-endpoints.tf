# endpoints.tf: the VPC endpoints vpce-advisor recommends (policy secure), as Terraform.
# Written by vpce-advisor 0.1.0 next to report.json and actions.sh (the same endpoints).
# Replace every "<placeholder>" (see actions.sh for how to find the ids), then terraform plan.
# To attach the endpoint policy, put your account id in endpoint-policy.json and uncomment
# the `policy` lines.

provider "aws" {
  alias  = "eu_west_1"
  region = "eu-west-1"
}

provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"
}

# VPC vpc-0a1b2c3d4e5f60001 in us-east-1: gateway+interface, saves $143.23/month against NAT only

# Gateway endpoint for s3 (2,502.14 GB/month off NAT; no hourly or per-GB charge).
# Associate it with the route tables of the subnets that reach the service today through a NAT
# gateway.
resource "aws_vpc_endpoint" "vpc_0a1b2c3d4e5f60001_s3" {
  provider          = aws.us_east_1
  vpc_id            = "vpc-0a1b2c3d4e5f60001"
  service_name      = "com.amazonaws.us-east-1.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = ["<route-table-id>"]
  # policy = file("${path.module}/endpoint-policy.json")
  tags = {
    Name         = "vpce-advisor-s3"
    "created-by" = "vpce-advisor"
  }
}

# Gateway endpoint for dynamodb (63.21 GB/month off NAT; no hourly or per-GB charge).
# Associate it with the route tables of the subnets that reach the service today through a NAT
# gateway.
resource "aws_vpc_endpoint" "vpc_0a1b2c3d4e5f60001_dynamodb" {
  provider          = aws.us_east_1
  vpc_id            = "vpc-0a1b2c3d4e5f60001"
  service_name      = "com.amazonaws.us-east-1.dynamodb"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = ["<route-table-id>"]
  # policy = file("${path.module}/endpoint-policy.json")
  tags = {
    Name         = "vpce-advisor-dynamodb"
    "created-by" = "vpce-advisor"
  }
}

# Interface endpoint(s) for other AWS APIs (1,211.15 GB/month off NAT).
# The logs show AMAZON-range addresses only: name each service from DNS query logs (ssm,
# ssmmessages, ec2messages, sts, sqs, kms, ecr.api, ecr.dkr, logs, monitoring...) and create one
# endpoint per service, replacing <service>; each one is billed per AZ-hour.
# Private DNS makes the service's public name resolve to the endpoint (needs the VPC's
# enableDnsSupport and enableDnsHostnames).
resource "aws_vpc_endpoint" "vpc_0a1b2c3d4e5f60001_other_aws" {
  provider            = aws.us_east_1
  vpc_id              = "vpc-0a1b2c3d4e5f60001"
  service_name        = "com.amazonaws.us-east-1.<service>"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = ["<subnet-id-in-use1-az1>", "<subnet-id-in-use1-az2>"]
  security_group_ids  = ["<sg-id allowing tcp/443 from the VPC CIDR>"]
  private_dns_enabled = true
  # policy = file("${path.module}/endpoint-policy.json")
  tags = {
    Name         = "vpce-advisor-other-aws"
    "created-by" = "vpce-advisor"
  }
}

# VPC vpc-0a1b2c3d4e5f60002 in eu-west-1: gateway-endpoints, saves $32.70/month against NAT only

# Gateway endpoint for s3 (669.33 GB/month off NAT; no hourly or per-GB charge).
# Associate it with the route tables of the subnets that reach the service today through a NAT
# gateway.
resource "aws_vpc_endpoint" "vpc_0a1b2c3d4e5f60002_s3" {
  provider          = aws.eu_west_1
  vpc_id            = "vpc-0a1b2c3d4e5f60002"
  service_name      = "com.amazonaws.eu-west-1.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = ["<route-table-id>"]
  # policy = file("${path.module}/endpoint-policy.json")
  tags = {
    Name         = "vpce-advisor-s3"
    "created-by" = "vpce-advisor"
  }
}

# Gateway endpoint for dynamodb (11.93 GB/month off NAT; no hourly or per-GB charge).
# Associate it with the route tables of the subnets that reach the service today through a NAT
# gateway.
resource "aws_vpc_endpoint" "vpc_0a1b2c3d4e5f60002_dynamodb" {
  provider          = aws.eu_west_1
  vpc_id            = "vpc-0a1b2c3d4e5f60002"
  service_name      = "com.amazonaws.eu-west-1.dynamodb"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = ["<route-table-id>"]
  # policy = file("${path.module}/endpoint-policy.json")
  tags = {
    Name         = "vpce-advisor-dynamodb"
    "created-by" = "vpce-advisor"
  }
}

# VPC vpc-0a1b2c3d4e5f60003 in eu-west-1: gateway-endpoints, saves $0.24/month against NAT only

# Gateway endpoint for s3 (5.06 GB/month off NAT; no hourly or per-GB charge).
# Associate it with the route tables of the subnets that reach the service today through a NAT
# gateway.
resource "aws_vpc_endpoint" "vpc_0a1b2c3d4e5f60003_s3" {
  provider          = aws.eu_west_1
  vpc_id            = "vpc-0a1b2c3d4e5f60003"
  service_name      = "com.amazonaws.eu-west-1.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = ["<route-table-id>"]
  # policy = file("${path.module}/endpoint-policy.json")
  tags = {
    Name         = "vpce-advisor-s3"
    "created-by" = "vpce-advisor"
  }
}

# VPC vpc-0a1b2c3d4e5f60004 in us-east-1: gateway-endpoints, saves $0.41/month against NAT only

# Gateway endpoint for dynamodb (9.08 GB/month off NAT; no hourly or per-GB charge).
# Associate it with the route tables of the subnets that reach the service today through a NAT
# gateway.
resource "aws_vpc_endpoint" "vpc_0a1b2c3d4e5f60004_dynamodb" {
  provider          = aws.us_east_1
  vpc_id            = "vpc-0a1b2c3d4e5f60004"
  service_name      = "com.amazonaws.us-east-1.dynamodb"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = ["<route-table-id>"]
  # policy = file("${path.module}/endpoint-policy.json")
  tags = {
    Name         = "vpce-advisor-dynamodb"
    "created-by" = "vpce-advisor"
  }
}

# VPC vpc-0a1b2c3d4e5f60005 in eu-west-1: gateway-endpoints, saves $2.54/month against NAT only

# Gateway endpoint for s3 (52.90 GB/month off NAT; no hourly or per-GB charge).
# Associate it with the route tables of the subnets that reach the service today through a NAT
# gateway.
resource "aws_vpc_endpoint" "vpc_0a1b2c3d4e5f60005_s3" {
  provider          = aws.eu_west_1
  vpc_id            = "vpc-0a1b2c3d4e5f60005"
  service_name      = "com.amazonaws.eu-west-1.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = ["<route-table-id>"]
  # policy = file("${path.module}/endpoint-policy.json")
  tags = {
    Name         = "vpce-advisor-s3"
    "created-by" = "vpce-advisor"
  }
}
