# Encrypts a data bag item the way Chef's EncryptedDataBagItem::Encryptor
# does (versions 1, 2 and 3), with Ruby's OpenSSL: the oracle converge's
# Chef reader is tested against.
#
#   ruby chef_encrypt.rb SECRET_FILE VERSION < item.json > encrypted.json
require "openssl"
require "json"

secret = File.read(ARGV[0]).strip
version = Integer(ARGV[1])
item = JSON.parse($stdin.read)
out = {}
item.each do |k, v|
  if k == "id"
    out[k] = v
    next
  end
  algorithm = version == 3 ? "aes-256-gcm" : "aes-256-cbc"
  c = OpenSSL::Cipher.new(algorithm)
  c.encrypt
  c.key = OpenSSL::Digest.digest("SHA256", secret)
  iv = c.random_iv
  c.iv = iv
  c.auth_data = "" if version == 3
  enc = c.update(JSON.generate({ "json_wrapper" => v })) + c.final
  data = [enc].pack("m") # Base64.encode64
  h = { "encrypted_data" => data, "iv" => [iv].pack("m"), "version" => version, "cipher" => algorithm }
  h["hmac"] = [OpenSSL::HMAC.digest(OpenSSL::Digest.new("sha256"), secret, data)].pack("m") if version == 2
  h["auth_tag"] = [c.auth_tag].pack("m") if version == 3
  out[k] = h
end
puts JSON.pretty_generate(out)
