name "staging"
description "Staging, one release ahead"
cookbook "motd", ">= 1.0.0"
cookbook_versions({"pm_corosync01" => "~> 0.1"})
default_attributes "motd" => { "message" => "staging node", "lines" => [1, 2, -3] }, :debug => true
override_attributes(
  "motd" => { "footer" => nil, "ratio" => 0.5 }
)
