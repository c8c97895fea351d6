site_name = "shop"
replicas  = 2
