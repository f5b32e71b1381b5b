#
# Cookbook:: pkgrepo
# Resource:: repository
#
# pkgrepo_repository "internal" adds an apt source on the debian family
# and a yum repo file on the rhel family.
unified_mode true

property :repo_name, String, name_property: true
property :uri, String, required: true
property :distribution, String, default: 'stable'
property :components, Array, default: %w(main)
property :arch, String, equal_to: %w(amd64 arm64 i386), default: 'amd64'
property :gpgcheck, Symbol, equal_to: [:yes, :no], default: :yes
property :auth_token, String, sensitive: true, default: ''

default_action :add

action :add do
  if platform_family?('debian')
    file list_file('list') do
      content "deb [arch=#{new_resource.arch}] #{new_resource.uri} #{new_resource.distribution} #{new_resource.components.join(' ')}\n"
      mode '0644'
      notifies :run, 'execute[apt-get update]', :immediately
    end

    unless new_resource.auth_token.empty?
      file "/etc/apt/auth.conf.d/#{new_resource.repo_name}.conf" do
        content "machine #{host_of(new_resource.uri)} password #{new_resource.auth_token}\n"
        mode '0600'
      end
    end

    execute 'apt-get update' do
      action :nothing
    end
  else
    file list_file('repo') do
      content "[#{new_resource.repo_name}]\nname=#{new_resource.repo_name}\nbaseurl=#{new_resource.uri}\ngpgcheck=#{new_resource.gpgcheck == :yes ? 1 : 0}\n"
      mode '0644'
    end
  end
end

action :remove do
  file list_file(platform_family?('debian') ? 'list' : 'repo') do
    action :delete
  end
end

action_class do
  # /etc/apt/sources.list.d/NAME.list or /etc/yum.repos.d/NAME.repo
  def list_file(ext)
    dir = ext == 'list' ? '/etc/apt/sources.list.d' : '/etc/yum.repos.d'
    "#{dir}/#{new_resource.repo_name}.#{ext}"
  end

  def host_of(uri)
    uri.split('/')[2]
  end
end
