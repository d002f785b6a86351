package oci

import (
	"testing"

	"github.com/ringfence/ringfence/syscalls"
)

func BenchmarkImportDocker(b *testing.B) {
	data := readDocker(b)
	for b.Loop() {
		if _, _, err := Import(data, ImportOptions{Arch: syscalls.ArchX86_64, KernelVersion: "6.1"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExportDocker(b *testing.B) {
	p := mustImport(b, readDocker(b), ImportOptions{Arch: syscalls.ArchX86_64, KernelVersion: "6.1"})
	for b.Loop() {
		if _, _, err := Export(p, ExportOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
