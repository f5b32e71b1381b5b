include_recipe 'ntp'
include_recipe 'apache2_lite'
include_recipe 'webapp::install'
include_recipe "#{cookbook_name}::config"
