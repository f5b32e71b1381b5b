#
# Cookbook:: nginx_lite
# Recipe:: default
#
include_recipe '::package'
include_recipe 'nginx_lite::sites'
