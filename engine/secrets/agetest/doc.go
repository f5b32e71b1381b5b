// Package agetest makes age identities for tests: one fresh X25519
// identity a test writes where it wants it and encrypts to by its
// recipient. It needs nothing of the machine and is not for production
// code.
package agetest
