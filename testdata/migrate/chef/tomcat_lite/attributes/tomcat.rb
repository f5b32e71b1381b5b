# read after default.rb: the JDK chosen there decides Tomcat's
default['tomcat']['base_version'] = node['java']['jdk_version'].to_i >= 11 ? 10 : 9
default['tomcat']['user'] = 'tomcat'
default['tomcat']['group'] = node['tomcat']['user']
default['tomcat']['port'] = 8080
default['tomcat']['ssl_port'] = node['tomcat']['port'] + 363
default['tomcat']['home'] = "/opt/tomcat#{node['tomcat']['base_version']}"
default['tomcat']['heap_mb'] = 512
force_override['tomcat']['shutdown_port'] = -1
