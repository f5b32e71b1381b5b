include_recipe '::packages'
include_recipe '::users'
include_recipe 'base_solo::motd'
