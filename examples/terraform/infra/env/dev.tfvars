site_name = "shop"
replicas  = 1
