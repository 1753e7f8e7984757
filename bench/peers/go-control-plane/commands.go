package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"syscall"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoregistry"

	// Registers the top-level resource types so type URLs resolve to Go messages.
	_ "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	"github.com/envoyproxy/go-control-plane/pkg/cache/v3"
)

// Commands, one JSON object per line:
//
//	{"op":"load","file":F}   F = {"groups":[{typeUrl:[{"name","value"(base64)}]}], "nodes":{nodeId:group}}:
//	                         replaces everything and sets one snapshot per group for its nodes
//	{"op":"update","typeUrl":T,"name":N,"value":B}
//	                         replaces resource N of type T in every group holding it and sets
//	                         the new snapshots (only T's version changes)
//	{"op":"stats"}           CPU (getrusage, µs), RSS (KiB), Go heap, goroutines
//	{"op":"gc"}              a full GC and returning freed memory to the OS (before RSS figures)
type command struct {
	Op      string `json:"op"`
	File    string `json:"file"`
	TypeURL string `json:"typeUrl"`
	Name    string `json:"name"`
	Value   string `json:"value"`
}

type wireResource struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type resourceFile struct {
	Groups []map[string][]wireResource `json:"groups"`
	Nodes  map[string]int               `json:"nodes"`
}

// group is one distinct configuration: its resources by type and name, and the nodes using it.
type group struct {
	resources map[string]map[string]types.Resource
	nodes     []string
	snapshot  *cache.Snapshot
}

type peerState struct {
	cache  cache.SnapshotCache
	groups []*group
}

func newPeerState(c cache.SnapshotCache) *peerState { return &peerState{cache: c} }

func (s *peerState) handle(ctx context.Context, line []byte) map[string]any {
	var c command
	if err := json.Unmarshal(line, &c); err != nil {
		return errReply(err)
	}
	var err error
	reply := map[string]any{"ok": true}
	switch c.Op {
	case "load":
		err = s.load(ctx, c.File, reply)
	case "update":
		err = s.update(ctx, c)
	case "stats":
		stats(reply)
	case "gc":
		runtime.GC()
		debug.FreeOSMemory()
	default:
		err = fmt.Errorf("unknown op %q", c.Op)
	}
	if err != nil {
		return errReply(err)
	}
	return reply
}

func (s *peerState) load(ctx context.Context, file string, reply map[string]any) error {
	raw, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var f resourceFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	s.groups = make([]*group, len(f.Groups))
	in, out := 0, 0
	for i, g := range f.Groups {
		s.groups[i] = &group{resources: map[string]map[string]types.Resource{}}
		for typeURL, list := range g {
			byName := map[string]types.Resource{}
			for _, w := range list {
				msg, n, err := decode(typeURL, w.Value)
				if err != nil {
					return fmt.Errorf("group %d %s %q: %w", i, typeURL, w.Name, err)
				}
				byName[w.Name] = msg
				in += n
				out += proto.Size(msg)
			}
			s.groups[i].resources[typeURL] = byName
		}
	}
	for node, i := range f.Nodes {
		if i < 0 || i >= len(s.groups) {
			return fmt.Errorf("node %q names group %d of %d", node, i, len(s.groups))
		}
		s.groups[i].nodes = append(s.groups[i].nodes, node)
	}
	for _, g := range s.groups {
		if err := g.publish(ctx, s.cache, nil); err != nil {
			return err
		}
	}
	reply["nodes"], reply["groups"], reply["bytes_in"], reply["bytes_marshaled"] = len(f.Nodes), len(f.Groups), in, out
	return nil
}

func (s *peerState) update(ctx context.Context, c command) error {
	msg, _, err := decode(c.TypeURL, c.Value)
	if err != nil {
		return err
	}
	for _, g := range s.groups {
		if _, ok := g.resources[c.TypeURL][c.Name]; !ok {
			continue
		}
		g.resources[c.TypeURL][c.Name] = msg
		if err := g.publish(ctx, s.cache, &c.TypeURL); err != nil {
			return err
		}
	}
	return nil
}

// publish builds the group's snapshot (per type: a version hashing its content, so an update of
// one type leaves the others' versions, and so their streams, untouched) and sets it per node.
func (g *group) publish(ctx context.Context, c cache.SnapshotCache, changed *string) error {
	snap := &cache.Snapshot{}
	if g.snapshot != nil {
		*snap = *g.snapshot
		snap.VersionMap = nil
	}
	for typeURL, byName := range g.resources {
		if changed != nil && typeURL != *changed && g.snapshot != nil {
			continue
		}
		index := cache.GetResponseType(typeURL)
		if index == types.UnknownType {
			return fmt.Errorf("unknown resource type %s", typeURL)
		}
		items := make([]types.Resource, 0, len(byName))
		for _, r := range byName {
			items = append(items, r)
		}
		snap.Resources[index] = cache.NewResources(contentVersion(byName), items)
	}
	g.snapshot = snap
	for _, node := range g.nodes {
		if err := c.SetSnapshot(ctx, node, snap); err != nil {
			return err
		}
	}
	return nil
}

func decode(typeURL, value string) (types.Resource, int, error) {
	raw, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		return nil, 0, err
	}
	mt, err := protoregistry.GlobalTypes.FindMessageByURL(typeURL)
	if err != nil {
		return nil, 0, err
	}
	msg := mt.New().Interface()
	if err := proto.Unmarshal(raw, msg); err != nil {
		return nil, 0, err
	}
	return msg, len(raw), nil
}

func contentVersion(byName map[string]types.Resource) string {
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, _ := cache.MarshalResource(byName[n])
		h.Write([]byte(n))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func stats(reply map[string]any) {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	reply["cpu_us"] = ru.Utime.Sec*1e6 + ru.Utime.Usec + ru.Stime.Sec*1e6 + ru.Stime.Usec
	reply["rss_kb"] = rssKb()
	reply["heap_kb"] = ms.HeapAlloc / 1024
	reply["goroutines"] = runtime.NumGoroutine()
}

func errReply(err error) map[string]any { return map[string]any{"ok": false, "error": err.Error()} }
