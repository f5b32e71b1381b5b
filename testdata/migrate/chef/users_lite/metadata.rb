name 'users_lite'
version '2.0.1'
description 'Local users and groups from attributes'
