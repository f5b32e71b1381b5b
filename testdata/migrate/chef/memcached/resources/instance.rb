#
# Cookbook:: memcached
# Resource:: instance
#
# memcached_instance "sessions" writes /etc/memcached_sessions.conf and
# keeps the memcached@sessions service running with it.
unified_mode true

property :instance_name, String, name_property: true
property :port, Integer, default: 11211
property :memory, Integer, default: 64
property :listen, String, default: '127.0.0.1'
property :user, String, default: 'memcache', desired_state: false

def conf_file
  "/etc/memcached_#{instance_name}.conf"
end

load_current_value do
  current_value_does_not_exist! unless ::File.exist?(conf_file)
  port shell_out("sed -n 's/^-p //p' #{conf_file}").stdout.strip.to_i
  memory shell_out("sed -n 's/^-m //p' #{conf_file}").stdout.strip.to_i
  listen shell_out("sed -n 's/^-l //p' #{conf_file}").stdout.strip
end

action :start do
  package 'memcached'

  converge_if_changed do
    file new_resource.conf_file do
      content options_text
      mode '0644'
      notifies :restart, "service[#{service_name}]", :delayed
    end
  end

  service service_name do
    action [:enable, :start]
  end
end

action :stop do
  service service_name do
    action [:stop, :disable]
  end
end

action_class do
  def service_name
    "memcached@#{new_resource.instance_name}"
  end

  def options_text
    opts = ["-p #{new_resource.port}", "-m #{new_resource.memory}", "-l #{new_resource.listen}", "-u #{new_resource.user}"]
    opts.join("\n") + "\n"
  end
end
