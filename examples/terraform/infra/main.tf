# A root with a module, a sensitive variable and outputs, built only from Terraform's
# own terraform_data resources: it plans and applies with no provider to download.
terraform {
  required_version = ">= 1.6"
  backend "local" {}
}

variable "site_name" {
  type = string
}

variable "replicas" {
  type    = number
  default = 1
}

variable "api_token" {
  type      = string
  sensitive = true
}

module "site" {
  source   = "./modules/site"
  name     = "${terraform.workspace}-${var.site_name}"
  replicas = var.replicas
}

# What a real root would hand to a provider; only its digest is kept in the state.
resource "terraform_data" "token_check" {
  input = sha256(var.api_token)
}

output "site_url" {
  value = module.site.url
}

output "replicas" {
  value = module.site.replicas
}

output "admin_password" {
  value     = "admin-${module.site.id}"
  sensitive = true
}
