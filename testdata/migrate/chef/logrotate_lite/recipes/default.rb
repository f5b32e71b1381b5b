#
# Cookbook:: logrotate_lite
# Recipe:: default
#
package 'logrotate'

apps = node['logrotate']['apps']
rotations = apps.map { |name, conf| [name, conf['rotate']] }.to_h

template '/etc/logrotate.conf' do
  source 'logrotate.conf.erb'
  mode '0644'
  variables(
    global: node['logrotate']['global'],
    include_dir: '/etc/logrotate.d',
    rotations: rotations
  )
end

apps.each do |name, conf|
  paths = conf['path'].kind_of?(Array) ? conf['path'] : [conf['path']]
  opts = conf['options'].respond_to?(:each) ? conf['options'] : conf['options'].to_s.split
  options = (opts + ['missingok']).uniq.sort.reject { |o| o == 'nocompress' }
  frequency = conf['frequency'] || 'weekly'

  template "/etc/logrotate.d/#{name}" do
    source 'app.erb'
    mode '0644'
    variables(
      paths: paths,
      frequency: frequency,
      rotate: conf['rotate'],
      options: options,
      size: conf.fetch('size', nil),
      postrotate: conf.fetch('postrotate', nil)
    )
    only_if { conf['rotate'].is_a?(Integer) && conf['rotate'] > 0 }
  end
end
