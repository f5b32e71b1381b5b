pkg = if platform_family?('debian')
        "openjdk-#{node['java']['jdk_version']}-jdk-headless"
      else
        "java-#{node['java']['jdk_version']}-openjdk-headless"
      end

package pkg

node.run_state['java_package'] = pkg

log 'java-installed' do
  message "installed #{node.run_state['java_package']} into #{node['java']['java_home']}"
end
