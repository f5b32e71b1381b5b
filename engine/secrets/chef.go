package secrets

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
)

// ChefKey is a Chef encrypted data bag secret: the secret file's content
// with surrounding white space trimmed, as Chef's load_secret reads it.
type ChefKey []byte

// LoadChefSecret reads a Chef encrypted data bag secret file.
func LoadChefSecret(path string) (ChefKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("chef secret: %v", err)
	}
	k := bytes.TrimSpace(data)
	if len(k) == 0 {
		return nil, fmt.Errorf("chef secret %s is empty", path)
	}
	return ChefKey(k), nil
}

// chefValue is one encrypted value of a Chef data bag item.
type chefValue struct {
	EncryptedData string `json:"encrypted_data"`
	IV            string `json:"iv"`
	HMAC          string `json:"hmac"`
	AuthTag       string `json:"auth_tag"`
	Version       int    `json:"version"`
	Cipher        string `json:"cipher"`
}

// DecryptChefItem decrypts a Chef encrypted data bag item (the JSON of
// data_bags/BAG/ITEM.json): every key but "id" holds a value encrypted in
// Chef's format version 1 (AES-256-CBC), 2 (AES-256-CBC with an
// HMAC-SHA256 of the ciphertext) or 3 (AES-256-GCM), the AES key being the
// SHA-256 of the secret. It returns the item as a JSON object with the
// values decrypted; encrypted is false when no value was encrypted (a
// plain data bag item).
func DecryptChefItem(item []byte, secret ChefKey) (plain []byte, encrypted bool, err error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(item, &raw); err != nil {
		return nil, false, fmt.Errorf("not a data bag item (a JSON object): %v", err)
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string]json.RawMessage, len(raw))
	for _, k := range keys {
		v := raw[k]
		var cv chefValue
		if k == "id" || json.Unmarshal(v, &cv) != nil || cv.EncryptedData == "" {
			out[k] = v
			continue
		}
		encrypted = true
		val, err := decryptChefValue(cv, secret)
		if err != nil {
			return nil, false, fmt.Errorf("key %q: %v", k, err)
		}
		out[k] = val
	}
	if !encrypted {
		return nil, false, nil
	}
	plain, err = json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, false, err
	}
	return append(plain, '\n'), true, nil
}

// IsChefEncrypted says whether item, the JSON of a data bag item, holds a
// value encrypted in Chef's format (any version): converge migrate lists
// such items, to be re-encrypted with converge secrets import.
func IsChefEncrypted(item []byte) bool {
	var raw map[string]json.RawMessage
	if json.Unmarshal(item, &raw) != nil {
		return false
	}
	for k, v := range raw {
		var cv chefValue
		if k != "id" && json.Unmarshal(v, &cv) == nil && cv.EncryptedData != "" {
			return true
		}
	}
	return false
}

var errWrongChefSecret = errors.New("cannot decrypt: wrong Chef secret (or a damaged item)")

func decryptChefValue(v chefValue, secret ChefKey) (json.RawMessage, error) {
	ct, err := b64(v.EncryptedData)
	if err != nil {
		return nil, fmt.Errorf("encrypted_data: %v", err)
	}
	iv, err := b64(v.IV)
	if err != nil {
		return nil, fmt.Errorf("iv: %v", err)
	}
	key := sha256.Sum256(secret)
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, err
	}
	var pt []byte
	switch v.Version {
	case 1, 2:
		if v.Cipher != "" && v.Cipher != "aes-256-cbc" {
			return nil, fmt.Errorf("version %d with cipher %q: want aes-256-cbc", v.Version, v.Cipher)
		}
		if v.Version == 2 {
			want, err := b64(v.HMAC)
			if err != nil {
				return nil, fmt.Errorf("hmac: %v", err)
			}
			// Chef's HMAC key is the secret itself, over the base64 text.
			m := hmac.New(sha256.New, secret)
			m.Write([]byte(v.EncryptedData))
			if !hmac.Equal(m.Sum(nil), want) {
				return nil, errors.New("HMAC does not match: wrong Chef secret, or the item was altered")
			}
		}
		if len(iv) != aes.BlockSize || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
			return nil, errors.New("malformed AES-256-CBC value (iv or data length)")
		}
		pt = make([]byte, len(ct))
		cipher.NewCBCDecrypter(block, iv).CryptBlocks(pt, ct)
		if pt, err = unpad(pt); err != nil {
			return nil, errWrongChefSecret
		}
	case 3:
		if v.Cipher != "" && v.Cipher != "aes-256-gcm" {
			return nil, fmt.Errorf("version 3 with cipher %q: want aes-256-gcm", v.Cipher)
		}
		tag, err := b64(v.AuthTag)
		if err != nil {
			return nil, fmt.Errorf("auth_tag: %v", err)
		}
		gcm, err := cipher.NewGCMWithNonceSize(block, len(iv))
		if err != nil {
			return nil, fmt.Errorf("iv: %v", err)
		}
		if pt, err = gcm.Open(nil, iv, append(ct, tag...), nil); err != nil {
			return nil, errWrongChefSecret
		}
	default:
		return nil, fmt.Errorf("unknown Chef encrypted data bag version %d (converge reads versions 1 to 3; re-encrypt it with a recent knife first)", v.Version)
	}
	var w struct {
		JSONWrapper json.RawMessage `json:"json_wrapper"`
	}
	if err := json.Unmarshal(pt, &w); err != nil || w.JSONWrapper == nil {
		return nil, errWrongChefSecret
	}
	return w.JSONWrapper, nil
}

// b64 decodes Ruby's Base64.encode64 text (lines of 60 characters).
func b64(s string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
}

func unpad(b []byte) ([]byte, error) {
	n := int(b[len(b)-1])
	if n == 0 || n > aes.BlockSize || n > len(b) {
		return nil, errors.New("bad padding")
	}
	for _, c := range b[len(b)-n:] {
		if int(c) != n {
			return nil, errors.New("bad padding")
		}
	}
	return b[:len(b)-n], nil
}
