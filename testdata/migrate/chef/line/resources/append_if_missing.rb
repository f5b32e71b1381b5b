#
# Cookbook:: line
# Resource:: append_if_missing
#
# Appends a line to a file unless the file already holds it.
resource_name :append_if_missing
provides :append_if_missing
unified_mode true

property :path, String, name_property: true
property :line, String, required: true
property :owner_mode, [String, Integer], default: '0644', desired_state: false

load_current_value do |desired|
  current_value_does_not_exist! unless ::File.exist?(desired.path)
  contents = ::File.read(desired.path)
  line contents.include?(desired.line) ? desired.line : ''
end

action :edit do
  converge_if_changed :line do
    execute "append a line to #{new_resource.path}" do
      command "printf '%s\\n' '#{new_resource.line}' >> #{new_resource.path} && chmod #{new_resource.owner_mode} #{new_resource.path}"
    end
  end
end
