# `terraform test`: run as the plan gate terraform.test when devops.yaml says test: true.
variables {
  site_name = "shop"
  api_token = "test-token-value"
}

run "url_names_the_workspace_and_site" {
  command = apply

  assert {
    condition     = module.site.url == "http://${terraform.workspace}-shop.example.test"
    error_message = "the site URL does not name the workspace and site"
  }
}
