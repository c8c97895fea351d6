# The infrastructure of the evidence example. plan.json is its plan as
# `terraform show -json` writes it (the AWS provider cannot be downloaded offline).
variable "db_password" {
  type      = string
  sensitive = true
}

resource "aws_instance" "batch" {
  ami           = "ami-0abcdef1234567890"
  instance_type = "m5.xlarge"
  tags          = { Owner = "data-team" }
}

resource "aws_db_instance" "main" {
  identifier        = "main"
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  allocated_storage = 20
  username          = "app"
  password          = var.db_password
}
