Chef::Log.info("configuring legacy tools")

peers = search(:node, "role:cluster AND chef_environment:#{node.chef_environment}")

ruby_block 'remember-time' do
  block do
    node.run_state['started'] = Time.now
  end
end

template '/etc/legacy.conf' do
  source 'legacy.conf.erb'
  variables(lazy { { :token => ::File.read('/etc/token') } })
end

remote_file '/opt/tool.tar.gz' do
  source 'https://example.com/tool.tar.gz'
end

version = `uname -r`.strip

def helper(x)
  shell_out("tool --scale #{x}").stdout
end

execute 'tool-install' do
  command 'tar xzf /opt/tool.tar.gz -C /opt'
  creates '/opt/tool'
  umask '022'
end

package 'legacy-tool' do
  provider Chef::Provider::Package::Dpkg
end

if node['kernel']['release'] =~ /^5\./
  package 'linux-tools-generic'
end
