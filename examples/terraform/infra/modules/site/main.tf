variable "name" {
  type = string
}

variable "replicas" {
  type = number
}

resource "terraform_data" "site" {
  input = {
    name     = var.name
    replicas = var.replicas
  }
}

output "id" {
  value = terraform_data.site.id
}

output "url" {
  value = "http://${terraform_data.site.output.name}.example.test"
}

output "replicas" {
  value = terraform_data.site.output.replicas
}
