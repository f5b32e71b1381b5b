include_recipe "#{cookbook_name}::package"

sites = node['nginx']['sites']
names = sites.keys.sort_by { |n| sites[n]['port'] }

names.each_with_index do |site, i|
  conf = sites[site]
  template nginx_site_path(site) do
    source 'site.erb'
    mode '0644'
    variables(
      name: site,
      port: conf['port'],
      root: conf['root'],
      server_name: conf['server_name'],
      default_server: i.zero?,
      aliases: [site, conf['server_name']].uniq.map(&:upcase)
    )
    notifies :reload, 'service[nginx]', :delayed
  end

  link "#{nginx_conf_dir}/sites-enabled/#{site}" do
    to nginx_site_path(site)
  end

  directory conf['root'] do
    recursive true
  end
end
