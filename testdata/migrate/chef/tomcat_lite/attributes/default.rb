default['java']['jdk_version'] = '11'
default['java']['install_flavor'] = 'openjdk'
default['java']['java_home'] = "/usr/lib/jvm/java-#{node['java']['jdk_version']}"
force_default['java']['opts'] = ['-Djava.awt.headless=true']
