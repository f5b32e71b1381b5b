#
# Cookbook:: apache
# Definition:: apache_site
#
# apache_site "example.com" writes the virtual host and enables it;
# enable false disables it.
define :apache_site, enable: true, port: 80, docroot: nil do
  conf_dir = '/etc/apache2'
  site = params[:name]
  root = params[:docroot] || "/var/www/#{site}"

  if params[:enable]
    directory root do
      owner 'www-data'
      group 'www-data'
      mode '0755'
    end

    file "#{conf_dir}/sites-available/#{site}.conf" do
      content "<VirtualHost *:#{params[:port]}>\n  ServerName #{params[:server_name] || site}\n  DocumentRoot #{root}\n</VirtualHost>\n"
      mode '0644'
    end

    execute "a2ensite #{site}" do
      command "/usr/sbin/a2ensite #{site}.conf"
      not_if { ::File.symlink?("#{conf_dir}/sites-enabled/#{site}.conf") }
    end
  else
    execute "a2dissite #{site}" do
      command "/usr/sbin/a2dissite #{site}.conf"
      only_if { ::File.symlink?("#{conf_dir}/sites-enabled/#{site}.conf") }
    end
  end
end
