#
# Cookbook:: accounts
# Provider:: manage
#
use_inline_resources

def whyrun_supported?
  true
end

def load_current_resource
  @current_resource = Chef::Resource::AccountsManage.new(new_resource.name)
  cmd = shell_out("getent group #{new_resource.group_name}")
  @current_resource.group_id(cmd.stdout.split(':')[2].to_i) unless cmd.error?
  @current_resource
end

action :create do
  new_resource.members.each do |u|
    user u do
      shell new_resource.shell
      home "/home/#{u}" if new_resource.manage_home
    end
  end

  group new_resource.group_name do
    gid new_resource.group_id
    members new_resource.members
  end
  new_resource.updated_by_last_action(true)
end

action :remove do
  group new_resource.group_name do
    action :remove
  end
end
