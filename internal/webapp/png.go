package webapp

import (
	"encoding/binary"
	"hash/crc32"
)

// appendChunk appends a PNG chunk: length, type, data, CRC of type and data
// (PNG 1.2 §3.2).
func appendChunk(b []byte, typ string, data []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	start := len(b)
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:]))
}
