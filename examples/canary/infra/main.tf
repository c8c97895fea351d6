# The infrastructure of the canary example. plan.json is its plan as
# `terraform show -json` writes it (the AWS provider cannot be downloaded offline).
provider "aws" {
  region = "us-east-1"
}

resource "aws_instance" "web" {
  ami           = "ami-0abcdef1234567890"
  instance_type = "t3.micro"
  tags          = { Owner = "web-team" }
}

resource "aws_s3_bucket" "assets" {
  bucket = "example-assets"
  tags   = { Owner = "web-team" }
}

resource "aws_s3_bucket_public_access_block" "assets" {
  bucket                  = aws_s3_bucket.assets.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_security_group" "web" {
  name        = "web"
  description = "HTTPS from the office"
  ingress {
    description = "HTTPS"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["203.0.113.0/24"]
  }
  tags = { Owner = "web-team" }
}
