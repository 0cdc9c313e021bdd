#!/bin/sh
# build.sh: build cwagentd's Linux packages from this tree, or print their version.
#
#   packaging/build.sh [deb] [rpm]   build $DIST/cwagentd_<version>_<arch>.deb and .rpm (default: both)
#   packaging/build.sh version       print the package version
#
# Environment:
#   VERSION   version to stamp (default: git describe --tags --always --dirty),
#             turned into a version dpkg and rpm accept and order right:
#             v1.2.3 -> 1.2.3, v1.2.3-4-gabc1234-dirty -> 1.2.3+4.gabc1234.dirty,
#             v1.2.3-dirty -> 1.2.3+0.dirty,
#             v1.3.0-rc1 -> 1.3.0~rc1, no tag yet -> 0.0.0+g<commit>
#   GOARCH    target architecture (default: go env GOARCH)
#   DIST      output directory (default: dist)
#   NFPM      nfpm command (default: go run ...nfpm@v2.45.2, kept out of go.mod)
#   SOURCE_DATE_EPOCH  file times in the packages (default: the last commit's time)
#
# The binary is static (CGO_ENABLED=0) and built with -trimpath; "cwagentd
# version" prints the package version.
set -eu

cd "$(dirname "$0")/.."

# package_version prints $1 (a tag or "git describe" output) as a dpkg/rpm version.
package_version() {
	v=${1#v}
	case $v in
	[0-9]*.*) ;;
	*) v=0.0.0+g$v ;; # no tag: "describe --always" gave the commit
	esac
	# Commits since the tag and a dirty tree sort after the tag ('+'); a
	# pre-release suffix sorts before it ('~'). rpm forbids '-' in a Version.
	printf '%s\n' "$v" | sed -E \
		-e 's/-([0-9]+)-g([0-9a-f]+)/+\1.g\2/' \
		-e 's/(\+.*)-dirty$/\1.dirty/' \
		-e 's/-dirty$/+0.dirty/' \
		-e 'y/-/~/'
}

raw=${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo 0.0.0)}
version=$(package_version "$raw")
if [ "${1:-}" = version ]; then
	echo "$version"
	exit 0
fi

packagers=${*:-deb rpm}
for p in $packagers; do
	case $p in
	deb | rpm) ;;
	*) echo "build.sh: unknown packager or command \"$p\"; use deb, rpm or version" >&2; exit 2 ;;
	esac
done

arch=${GOARCH:-$(go env GOARCH)}
dist=${DIST:-dist}
nfpm=${NFPM:-go run github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2}
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || date +%s)
fi
export SOURCE_DATE_EPOCH

mkdir -p "$dist"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath \
	-ldflags "-s -w -X main.version=$version" \
	-o "$work/cwagentd" ./cmd/cwagentd

for p in $packagers; do
	out=$dist/cwagentd_${version}_${arch}.$p
	VERSION=$version GOARCH=$arch CWAGENTD_BIN=$work/cwagentd \
		$nfpm pkg --config packaging/nfpm.yaml --packager "$p" --target "$out"
done
