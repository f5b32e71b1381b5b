#
# Cookbook:: nginx_lite
# Library:: helpers
#
module NginxLite
  module Helpers
    # the user nginx runs as, per platform family
    def nginx_user
      platform_family?('rhel') ? 'nginx' : 'www-data'
    end

    def nginx_conf_dir
      node['nginx']['dir']
    end

    def nginx_workers(per_cpu = 1)
      node['cpu']['total'] * per_cpu
    end

    def nginx_site_path(name)
      "#{nginx_conf_dir}/sites-available/#{name}"
    end
  end
end

Chef::DSL::Recipe.send(:include, NginxLite::Helpers)
Chef::Resource.send(:include, NginxLite::Helpers)
