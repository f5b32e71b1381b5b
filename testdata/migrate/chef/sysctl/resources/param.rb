#
# Cookbook:: sysctl
# Resource:: param
#
# Sets one kernel parameter now (sysctl -w) and at boot (a file in
# /etc/sysctl.d).
#
unified_mode true
provides :sysctl_param

description 'Sets a kernel parameter with sysctl and persists it'

property :key, String, name_property: true,
         description: 'the parameter, e.g. vm.swappiness'
property :value, String, required: true
property :conf_dir, String, default: '/etc/sysctl.d', desired_state: false

default_action :apply

load_current_value do |desired|
  cmd = shell_out("sysctl -n #{desired.key}")
  current_value_does_not_exist! if cmd.error?
  value cmd.stdout.strip
end

action :apply do
  converge_if_changed :value do
    directory new_resource.conf_dir

    file "#{new_resource.conf_dir}/99-chef-#{new_resource.key}.conf" do
      content "#{new_resource.key} = #{new_resource.value}\n"
      mode '0644'
    end

    execute "sysctl -w #{new_resource.key}=#{new_resource.value}"
  end
end

action :remove do
  file "#{new_resource.conf_dir}/99-chef-#{new_resource.key}.conf" do
    action :delete
  end
end
