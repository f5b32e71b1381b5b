default[:apache][:listen_ports] = [80, 443]
default[:apache][:docroot] = "/var/www/html"
default[:apache][:server_admin] = "root@localhost"
if node['platform_family'] == 'rhel'
  default[:apache][:package] = "httpd"
  default[:apache][:dir] = "/etc/httpd"
else
  default[:apache][:package] = "apache2"
  default[:apache][:dir] = "/etc/apache2"
end
