#
# Cookbook:: accounts
# Resource:: manage
#
# accounts_manage "devs" creates the group and one user per member.

actions :create, :remove
default_action :create

attribute :group_name, kind_of: String, name_attribute: true
attribute :group_id, kind_of: Integer, required: true
attribute :members, kind_of: Array, default: []
attribute :shell, kind_of: String, default: '/bin/bash'
attribute :manage_home, kind_of: [TrueClass, FalseClass], default: true
