// Command goclient drives the standalone emulator with the official, unmodified Go client
// (github.com/0xsequence/go-sequence/services/metadata): all 21 Collections methods and the
// client's UploadAsset helper, checking that every value sent comes back as sent.
//
// It reads EMULATOR_URL, EMULATOR_JWT and EMULATOR_PROJECT, prints one JSON line
// {"methods": [...], "checks": N, "failures": [...]} and exits 1 when a check fails.
// The client is not vendored: tests/goclient/test_official_go_client.py points the module's
// replace directive at a go-sequence checkout given in GO_SEQUENCE_DIR.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/0xsequence/go-sequence/lib/prototyp"
	"github.com/0xsequence/go-sequence/services/metadata"
)

// 2^256 - 1: the largest uint256 token id, far beyond uint64 and float64 precision.
const bigTokenID = "115792089237316195423570985008687907853269984665640564039457584007913129639935"

// exchange is the last request and answer seen on one path, quoted in failures.
type exchange struct {
	sent, received string
	status         int
}

// recorder is the client's HTTPClient: it passes every request through unchanged and keeps the
// bodies (never headers, so no credential is ever kept) so a failure can say what went over the wire.
type recorder struct {
	last map[string]exchange
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	var sent []byte
	if req.Body != nil {
		sent, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(sent))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	received, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(received))
	name := req.URL.Path[strings.LastIndex(req.URL.Path, "/")+1:]
	if strings.Contains(req.URL.Path, "/assets/") {
		name = "UploadAsset"
		sent = []byte(fmt.Sprintf("<multipart/form-data, %d bytes>", len(sent)))
	} else if len(sent) > 600 {
		sent = append(sent[:600], "..."...)
	}
	r.last[name] = exchange{string(sent), string(received), resp.StatusCode}
	return resp, nil
}

type run struct {
	ctx      context.Context
	c        metadata.CollectionsService
	rec      *recorder
	url      string
	project  uint64
	pid      *uint64
	methods  []string
	seen     map[string]bool
	checks   int
	failures []string
}

// call records that the method was exercised; it fails (and says what was exchanged) on an error.
func (r *run) call(method string, err error) bool {
	if !r.seen[method] {
		r.seen[method] = true
		r.methods = append(r.methods, method)
	}
	return r.check(err == nil, method, "returned error: %v", err)
}

func (r *run) check(ok bool, method, format string, args ...interface{}) bool {
	r.checks++
	if !ok {
		msg := method + ": " + fmt.Sprintf(format, args...)
		if ex, found := r.rec.last[method]; found {
			msg += fmt.Sprintf(" | last %s exchange: sent %s, received HTTP %d %s", method, ex.sent, ex.status, strings.TrimSpace(ex.received))
		}
		r.failures = append(r.failures, msg)
	}
	return ok
}

func (r *run) equal(method, what string, got, want interface{}) bool {
	return r.check(reflect.DeepEqual(normal(got), normal(want)), method, "%s: got %s, want %s", what, show(got), show(want))
}

// notFound checks that err is the typed NotFound (errors.Is with metadata.ErrNotFound).
func (r *run) notFound(method, what string, err error) {
	if !r.seen[method] {
		r.seen[method] = true
		r.methods = append(r.methods, method)
	}
	r.check(errors.Is(err, metadata.ErrNotFound), method, "%s: want metadata.ErrNotFound, got %v", what, err)
}

// normal renders a value as encoding/json reads it back, so numbers compare as float64 on both sides.
func normal(v interface{}) interface{} {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("unmarshalable %T", v)
	}
	var out interface{}
	if err := json.Unmarshal(raw, &out); err != nil {
		return string(raw)
	}
	return out
}

func show(v interface{}) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

func bigInt(s string) *prototyp.BigInt {
	b := prototyp.NewBigIntFromString(s, 10)
	return &b
}

func tinyPNG(width, height int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	for x := 0; x < width; x++ {
		img.Set(x, 0, color.RGBA{R: uint8(40 * x), G: 120, B: 200, A: 255})
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

// public fetches an anonymous route of the emulator (no Authorization header).
func (r *run) public(path string) (int, []byte) {
	resp, err := http.Get(strings.TrimSuffix(r.url, "/") + path)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

func main() {
	url, jwt, projectText := os.Getenv("EMULATOR_URL"), os.Getenv("EMULATOR_JWT"), os.Getenv("EMULATOR_PROJECT")
	project, err := strconv.ParseUint(projectText, 10, 64)
	if url == "" || jwt == "" || err != nil {
		fmt.Fprintln(os.Stderr, "goclient: set EMULATOR_URL, EMULATOR_JWT and EMULATOR_PROJECT (a number)")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	rec := &recorder{last: map[string]exchange{}}
	r := &run{
		ctx: ctx, rec: rec, url: url, project: project, pid: &project, seen: map[string]bool{}, failures: []string{},
		c: metadata.NewCollections(jwt, metadata.Options{MetadataServiceURL: url, HTTPClient: rec}),
	}
	r.collections()
	r.unauthorized(url)
	out, _ := json.Marshal(map[string]interface{}{"methods": r.methods, "checks": r.checks, "failures": r.failures})
	fmt.Println(string(out))
	if len(r.failures) > 0 {
		os.Exit(1)
	}
}

func (r *run) unauthorized(url string) {
	bad := metadata.NewCollections("not-a-jwt", metadata.Options{MetadataServiceURL: url})
	_, _, err := bad.ListCollections(r.ctx, r.pid, nil)
	r.check(errors.Is(err, metadata.ErrUnauthorized), "ListCollections", "with a malformed JWT: want metadata.ErrUnauthorized, got %v", err)
}

func (r *run) collections() {
	meta := &metadata.CollectionMetadata{
		Name:         "Harbor Lights",
		Description:  "Lighthouses of the north coast",
		Image:        "https://example.com/harbor.png",
		ExternalLink: "https://example.com/harbor",
		Properties:   map[string]interface{}{"season": "winter", "lamps": 12.0, "nested": map[string]interface{}{"ok": true, "list": []interface{}{1.5, "x", nil}}},
		Attributes:   []map[string]interface{}{{"trait_type": "coast", "value": "north"}, {"trait_type": "age", "value": 150.0}},
	}
	col, err := r.c.CreateCollection(r.ctx, r.pid, &metadata.Collection{Metadata: meta})
	if !r.call("CreateCollection", err) || !r.check(col != nil && col.Metadata != nil, "CreateCollection", "no collection") {
		return
	}
	cid := col.ID
	r.check(cid != 0, "CreateCollection", "id is 0")
	r.equal("CreateCollection", "projectId", col.ProjectID, r.project)
	r.equal("CreateCollection", "metadata", col.Metadata, meta)
	r.check(!col.CreatedAt.IsZero() && !col.UpdatedAt.IsZero(), "CreateCollection", "createdAt/updatedAt zero: %v %v", col.CreatedAt, col.UpdatedAt)
	r.check(col.BaseURIs != nil && strings.Contains(col.BaseURIs.ContractMetadataURI, fmt.Sprintf("/collections/%d", cid)), "CreateCollection", "baseURIs: %s", show(col.BaseURIs))

	got, err := r.c.GetCollection(r.ctx, r.pid, cid)
	if r.call("GetCollection", err) && r.check(got != nil, "GetCollection", "no collection") {
		r.equal("GetCollection", "id", got.ID, cid)
		r.equal("GetCollection", "metadata", got.Metadata, meta)
		r.equal("GetCollection", "private", got.Private, col.Private)
	}
	_, err = r.c.GetCollection(r.ctx, r.pid, cid+1000000)
	r.notFound("GetCollection", "an id that does not exist", err)

	// More collections, then number the pages from 0: every collection must come exactly once.
	ids := map[uint64]int{cid: 0}
	for i := 0; i < 4; i++ {
		extra, err := r.c.CreateCollection(r.ctx, r.pid, &metadata.Collection{Metadata: &metadata.CollectionMetadata{Name: fmt.Sprintf("Extra %d", i)}})
		if r.call("CreateCollection", err) && extra != nil {
			ids[extra.ID] = 0
			r.equal("CreateCollection", "metadata (name only)", extra.Metadata, &metadata.CollectionMetadata{Name: fmt.Sprintf("Extra %d", i)})
		}
	}
	r.pages("ListCollections", ids, func(page *metadata.Page) (*metadata.Page, []uint64, error) {
		next, cols, err := r.c.ListCollections(r.ctx, r.pid, page)
		var got []uint64
		for _, c := range cols {
			got = append(got, c.ID)
		}
		return next, got, err
	})

	updatedMeta := &metadata.CollectionMetadata{
		Name: "Harbor Lights (renamed)", Description: "Updated", ExternalLink: "https://example.com/renamed",
		Properties: map[string]interface{}{"season": "summer"},
	}
	upd, err := r.c.UpdateCollection(r.ctx, r.pid, &metadata.Collection{ID: cid, Metadata: updatedMeta, Private: col.Private})
	if r.call("UpdateCollection", err) && r.check(upd != nil, "UpdateCollection", "no collection") {
		r.equal("UpdateCollection", "id", upd.ID, cid)
		r.equal("UpdateCollection", "metadata", upd.Metadata, updatedMeta)
	}
	if got, err := r.c.GetCollection(r.ctx, r.pid, cid); r.call("GetCollection", err) && got != nil {
		r.equal("GetCollection", "metadata after UpdateCollection", got.Metadata, updatedMeta)
	}

	pub, err := r.c.PublishCollection(r.ctx, r.pid, cid, metadata.PtrTo(true))
	if r.call("PublishCollection", err) && r.check(pub != nil, "PublishCollection", "no collection") {
		r.equal("PublishCollection", "private", pub.Private, false)
		r.equal("PublishCollection", "id", pub.ID, cid)
	}
	unpub, err := r.c.UnpublishCollection(r.ctx, r.pid, cid)
	if r.call("UnpublishCollection", err) && r.check(unpub != nil, "UnpublishCollection", "no collection") {
		r.equal("UnpublishCollection", "private", unpub.Private, true)
	}
	if got, err := r.c.GetCollection(r.ctx, r.pid, cid); r.call("GetCollection", err) && got != nil {
		r.equal("GetCollection", "private after UnpublishCollection", got.Private, true)
	}
	status, _ := r.public(fmt.Sprintf("/projects/%d/collections/%d.json", r.project, cid))
	r.check(status != 200, "UnpublishCollection", "an unpublished collection is served publicly (HTTP %d)", status)
	if pub, err := r.c.PublishCollection(r.ctx, r.pid, cid, nil); r.call("PublishCollection", err) && pub != nil {
		r.equal("PublishCollection", "private (recursive nil)", pub.Private, false)
	}
	if status, body := r.public(fmt.Sprintf("/projects/%d/collections/%d.json", r.project, cid)); r.check(status == 200, "PublishCollection", "public collection JSON: HTTP %d %s", status, body) {
		var public map[string]interface{}
		_ = json.Unmarshal(body, &public)
		r.equal("PublishCollection", "public collection name", public["name"], updatedMeta.Name)
	}

	r.tokens(cid)

	_, err = r.c.GetCollection(r.ctx, r.pid, cid)
	r.call("GetCollection", err)
	ok, err := r.c.DeleteCollection(r.ctx, r.pid, cid)
	if r.call("DeleteCollection", err) {
		r.equal("DeleteCollection", "status", ok, true)
	}
	_, err = r.c.GetCollection(r.ctx, r.pid, cid)
	r.notFound("GetCollection", "after DeleteCollection", err)
	_, err = r.c.DeleteCollection(r.ctx, r.pid, cid)
	r.notFound("DeleteCollection", "a second time", err)
}

// pages loops page.page from 0 with a small pageSize until `more` is false, and checks that every
// id in want is listed exactly once (other ids may appear: they are not ours).
func (r *run) pages(method string, want map[uint64]int, list func(*metadata.Page) (*metadata.Page, []uint64, error)) {
	seen := map[uint64]int{}
	size := uint32(2)
	var first []uint64
	for n := uint32(0); n < 50; n++ {
		number := n
		next, items, err := list(&metadata.Page{Page: &number, PageSize: &size})
		if !r.call(method, err) {
			return
		}
		r.check(len(items) <= int(size), method, "page %d has %d items, pageSize %d", n, len(items), size)
		if n == 0 {
			first = items
		} else if n == 1 && len(items) > 0 {
			r.check(!reflect.DeepEqual(first, items), method, "page 0 and page 1 are the same page: %v", items)
		}
		for _, id := range items {
			seen[id]++
		}
		if next == nil || next.More == nil || !*next.More {
			break
		}
	}
	var missing, twice []uint64
	for id := range want {
		switch seen[id] {
		case 1:
		case 0:
			missing = append(missing, id)
		default:
			twice = append(twice, id)
		}
	}
	sort.Slice(missing, func(i, j int) bool { return missing[i] < missing[j] })
	r.check(len(missing) == 0 && len(twice) == 0, method, "paging from page 0 by %d: missing %v, listed more than once %v (seen %v)", size, missing, twice, seen)
}

func (r *run) tokens(cid uint64) {
	token := &metadata.TokenMetadata{
		TokenID:         "1",
		Name:            "First Light",
		Description:     "The oldest lamp",
		Image:           "https://example.com/1.png",
		Video:           "https://example.com/1.mp4",
		Audio:           "https://example.com/1.mp3",
		Properties:      map[string]interface{}{"power": 9.0, "tags": []interface{}{"a", "b"}, "deep": map[string]interface{}{"x": nil, "y": false}},
		Attributes:      []map[string]interface{}{{"trait_type": "colour", "value": "white"}, {"display_type": "number", "trait_type": "range", "value": 18.5}},
		ImageData:       "<svg/>",
		ExternalUrl:     "https://example.com/tokens/1",
		BackgroundColor: "ffffff",
		AnimationUrl:    "https://example.com/1.glb",
		Decimals:        metadata.PtrTo(uint64(0)),
	}
	created, _, err := r.c.CreateToken(r.ctx, r.pid, cid, token, metadata.PtrTo(false))
	if !r.call("CreateToken", err) || !r.check(created != nil, "CreateToken", "no token") {
		return
	}
	r.tokenEqual("CreateToken", created, token)

	big := &metadata.TokenMetadata{TokenID: bigTokenID, Name: "Largest"}
	bigCreated, _, err := r.c.CreateToken(r.ctx, r.pid, cid, big, metadata.PtrTo(true))
	if r.call("CreateToken", err) && r.check(bigCreated != nil, "CreateToken", "no token") {
		r.equal("CreateToken", "uint256 tokenId", bigCreated.TokenID, bigTokenID)
		r.check(bigCreated.Properties == nil && bigCreated.Attributes == nil, "CreateToken", "unset properties/attributes should come back null: %s %s", show(bigCreated.Properties), show(bigCreated.Attributes))
		r.check(bigCreated.Decimals == nil, "CreateToken", "unset decimals came back as %s", show(bigCreated.Decimals))
	}

	got, assets, err := r.c.GetToken(r.ctx, r.pid, cid, "1")
	if r.call("GetToken", err) && r.check(got != nil, "GetToken", "no token") {
		r.tokenEqual("GetToken", got, token)
		r.equal("GetToken", "assets before any asset", len(assets), 0)
	}
	if got, _, err := r.c.GetToken(r.ctx, r.pid, cid, bigTokenID); r.call("GetToken", err) && got != nil {
		r.equal("GetToken", "uint256 tokenId", got.TokenID, bigTokenID)
		r.equal("GetToken", "name", got.Name, "Largest")
	}
	_, _, err = r.c.GetToken(r.ctx, r.pid, cid, "424242")
	r.notFound("GetToken", "a token id that does not exist", err)

	// Private flags, seen from the anonymous routes of the (published) collection.
	tokenPath := func(id string) string {
		return fmt.Sprintf("/projects/%d/collections/%d/tokens/%s.json", r.project, cid, id)
	}
	if status, body := r.public(tokenPath("1")); r.check(status == 200, "CreateToken", "public token (private=false) not served: HTTP %d %s", status, body) {
		var public map[string]interface{}
		_ = json.Unmarshal(body, &public)
		r.equal("CreateToken", "public token name", public["name"], token.Name)
	}
	status, _ := r.public(tokenPath(bigTokenID))
	r.check(status != 200, "CreateToken", "private=true token is served publicly (HTTP %d)", status)

	// Numbered token pages from 0.
	want := map[uint64]int{}
	index := map[string]uint64{"1": 1, bigTokenID: 2}
	want[1], want[2] = 0, 0
	for i := 3; i <= 7; i++ {
		id := strconv.Itoa(i * 10)
		if _, _, err := r.c.CreateToken(r.ctx, r.pid, cid, &metadata.TokenMetadata{TokenID: id, Name: "Token " + id}, nil); r.call("CreateToken", err) {
			index[id] = uint64(i)
			want[uint64(i)] = 0
		}
	}
	r.pages("ListTokens", want, func(page *metadata.Page) (*metadata.Page, []uint64, error) {
		next, tokens, err := r.c.ListTokens(r.ctx, r.pid, cid, page)
		var got []uint64
		for _, t := range tokens {
			if n, ok := index[t.TokenID]; ok {
				got = append(got, n)
			} else {
				got = append(got, 1000000)
			}
		}
		return next, got, err
	})

	update := *token
	update.Name, update.Description = "First Light (relit)", "Relit in 2024"
	update.Properties = map[string]interface{}{"power": 10.0}
	update.Attributes = []map[string]interface{}{{"trait_type": "colour", "value": "amber"}}
	updated, err := r.c.UpdateToken(r.ctx, r.pid, cid, "1", &update, metadata.PtrTo(false))
	if r.call("UpdateToken", err) && r.check(updated != nil, "UpdateToken", "no token") {
		r.tokenEqual("UpdateToken", updated, &update)
	}
	if got, _, err := r.c.GetToken(r.ctx, r.pid, cid, "1"); r.call("GetToken", err) && got != nil {
		r.tokenEqual("GetToken after UpdateToken", got, &update)
	}
	if _, err := r.c.UpdateToken(r.ctx, r.pid, cid, bigTokenID, &metadata.TokenMetadata{TokenID: bigTokenID, Name: "Largest"}, metadata.PtrTo(false)); r.call("UpdateToken", err) {
		status, body := r.public(tokenPath(bigTokenID))
		r.check(status == 200, "UpdateToken", "token made public (private=false) not served: HTTP %d %s", status, body)
	}

	r.assets(cid, bigCreated != nil)

	ok, err := r.c.DeleteToken(r.ctx, r.pid, cid, "1")
	if r.call("DeleteToken", err) {
		r.equal("DeleteToken", "status", ok, true)
	}
	_, _, err = r.c.GetToken(r.ctx, r.pid, cid, "1")
	r.notFound("GetToken", "after DeleteToken", err)
}

func (r *run) tokenEqual(method string, got, want *metadata.TokenMetadata) {
	r.equal(method, "tokenId", got.TokenID, want.TokenID)
	r.equal(method, "name", got.Name, want.Name)
	r.equal(method, "description", got.Description, want.Description)
	r.equal(method, "image", got.Image, want.Image)
	r.equal(method, "video/audio", []string{got.Video, got.Audio}, []string{want.Video, want.Audio})
	r.equal(method, "properties", got.Properties, want.Properties)
	r.equal(method, "attributes", got.Attributes, want.Attributes)
	r.equal(method, "OpenSea fields", []string{got.ImageData, got.ExternalUrl, got.BackgroundColor, got.AnimationUrl},
		[]string{want.ImageData, want.ExternalUrl, want.BackgroundColor, want.AnimationUrl})
	r.check(got.Decimals != nil && *got.Decimals == 0, method, "decimals 0 did not round-trip: %s", show(got.Decimals))
}

func (r *run) assets(cid uint64, withBig bool) {
	// A fresh Asset, as a Go user writes it: the client sends "id":0, "url":"" and a zero updatedAt.
	asset, err := r.c.CreateAsset(r.ctx, r.pid, &metadata.Asset{CollectionID: cid, TokenID: bigInt("1"), MetadataField: "image"})
	if !r.call("CreateAsset", err) || !r.check(asset != nil, "CreateAsset", "no asset") {
		return
	}
	r.check(asset.ID != 0, "CreateAsset", "asset id is 0")
	r.equal("CreateAsset", "collectionId", asset.CollectionID, cid)
	r.check(asset.TokenID != nil && asset.TokenID.String() == "1", "CreateAsset", "tokenId: %s", show(asset.TokenID))
	r.equal("CreateAsset", "metadataField", asset.MetadataField, "image")
	if withBig {
		bigAsset, err := r.c.CreateAsset(r.ctx, r.pid, &metadata.Asset{CollectionID: cid, TokenID: bigInt(bigTokenID), MetadataField: "animation_url"})
		if r.call("CreateAsset", err) && bigAsset != nil {
			r.check(bigAsset.TokenID != nil && bigAsset.TokenID.String() == bigTokenID, "CreateAsset", "uint256 tokenId: %s", show(bigAsset.TokenID))
			r.equal("CreateAsset", "metadataField", bigAsset.MetadataField, "animation_url")
		}
	}
	colAsset, err := r.c.CreateAsset(r.ctx, r.pid, &metadata.Asset{CollectionID: cid, MetadataField: "image"})
	if r.call("CreateAsset", err) && colAsset != nil {
		r.check(colAsset.TokenID == nil, "CreateAsset", "collection-level asset (tokenId null) came back with tokenId %s", show(colAsset.TokenID))
	}

	content := tinyPNG(3, 2)
	up, err := r.c.UploadAsset(r.ctx, r.project, cid, asset.ID, bytes.NewReader(content))
	if r.call("UploadAsset", err) && r.check(up != nil, "UploadAsset", "no asset") {
		r.equal("UploadAsset", "id", up.ID, asset.ID)
		r.equal("UploadAsset", "filesize", up.Filesize, uint32(len(content)))
		r.equal("UploadAsset", "mimeType", up.MimeType, "image/png")
		r.equal("UploadAsset", "width x height", []interface{}{up.Width, up.Height}, []interface{}{uint16(3), uint16(2)})
		r.check(up.TokenID != nil && up.TokenID.String() == "1", "UploadAsset", "tokenId: %s", show(up.TokenID))
		if r.check(strings.HasPrefix(up.URL, "http"), "UploadAsset", "url: %q", up.URL) {
			if resp, err := http.Get(up.URL); r.check(err == nil, "UploadAsset", "GET url: %v", err) {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				r.check(resp.StatusCode == 200 && bytes.Equal(body, content), "UploadAsset", "GET %s: HTTP %d, %d bytes (want the %d uploaded)", up.URL, resp.StatusCode, len(body), len(content))
			}
		}
	}

	got, err := r.c.GetAsset(r.ctx, r.pid, asset.ID)
	if r.call("GetAsset", err) && r.check(got != nil, "GetAsset", "no asset") && up != nil {
		r.equal("GetAsset", "asset after UploadAsset", assetView(got), assetView(up))
	}
	if got != nil {
		change := *got
		change.Filename = "renamed.png"
		upd, err := r.c.UpdateAsset(r.ctx, r.pid, &change)
		if r.call("UpdateAsset", err) && r.check(upd != nil, "UpdateAsset", "no asset") {
			r.equal("UpdateAsset", "asset", assetView(upd), assetView(&change))
		}
		if again, err := r.c.GetAsset(r.ctx, r.pid, asset.ID); r.call("GetAsset", err) && again != nil {
			r.equal("GetAsset", "filename after UpdateAsset", again.Filename, "renamed.png")
		}
	}

	r.contracts(cid)

	ok, err := r.c.DeleteAsset(r.ctx, r.pid, asset.ID)
	if r.call("DeleteAsset", err) {
		r.equal("DeleteAsset", "status", ok, true)
	}
	_, err = r.c.GetAsset(r.ctx, r.pid, asset.ID)
	r.notFound("GetAsset", "after DeleteAsset", err)
}

// assetView is an Asset without updatedAt (which an upload or an update may move).
func assetView(a *metadata.Asset) map[string]interface{} {
	view, _ := normal(a).(map[string]interface{})
	delete(view, "updatedAt")
	return view
}

func (r *run) contracts(cid uint64) {
	other, err := r.c.CreateCollection(r.ctx, r.pid, &metadata.Collection{Metadata: &metadata.CollectionMetadata{Name: "Second home"}})
	if !r.call("CreateCollection", err) || other == nil {
		return
	}
	mixed := "0xAbCdEf0123456789aBcDeF0123456789AbCdEf01"
	lower := strings.ToLower(mixed)
	link := &metadata.ContractCollection{ChainID: 137, ContractAddress: prototyp.Hash(mixed), CollectionID: cid}
	created, err := r.c.CreateContractCollection(r.ctx, r.project, link)
	if !r.call("CreateContractCollection", err) || !r.check(created != nil, "CreateContractCollection", "no link") {
		return
	}
	r.check(created.ID != 0, "CreateContractCollection", "id is 0")
	r.equal("CreateContractCollection", "chainId/collectionId", []uint64{created.ChainID, created.CollectionID}, []uint64{137, cid})
	// The client lower-cases on decoding (prototyp.Hash), so read the server's own bytes too.
	raw := r.rec.last["CreateContractCollection"].received
	r.check(strings.Contains(raw, lower) && !strings.Contains(raw, mixed), "CreateContractCollection", "address not lower-cased by the server: %s", raw)

	got, err := r.c.GetContractCollection(r.ctx, r.project, 137, mixed)
	if r.call("GetContractCollection", err) && r.check(got != nil, "GetContractCollection", "no link") {
		r.equal("GetContractCollection", "link (asked with a mixed-case address)", got, created)
		r.check(strings.Contains(r.rec.last["GetContractCollection"].received, lower), "GetContractCollection", "address not lower-cased")
	}

	// Two more links, then contract pages from 0 for this collection.
	want := map[uint64]int{created.ID: 0}
	for i := 2; i <= 4; i++ {
		addr := fmt.Sprintf("0x%040d", i)
		if l, err := r.c.CreateContractCollection(r.ctx, r.project, &metadata.ContractCollection{ChainID: 1, ContractAddress: prototyp.Hash(addr), CollectionID: cid}); r.call("CreateContractCollection", err) && l != nil {
			want[l.ID] = 0
		}
	}
	r.pages("ListContractCollections", want, func(page *metadata.Page) (*metadata.Page, []uint64, error) {
		links, cols, next, err := r.c.ListContractCollections(r.ctx, r.project, &cid, page)
		var got []uint64
		for _, l := range links {
			got = append(got, l.ID)
			r.check(l.CollectionID == cid, "ListContractCollections", "filtered by collection %d, got a link of %d", cid, l.CollectionID)
		}
		r.check(len(links) == 0 || (len(cols) > 0 && cols[0].ID == cid), "ListContractCollections", "collections: %s", show(cols))
		return next, got, err
	})

	moved := &metadata.ContractCollection{ID: created.ID, ChainID: 137, ContractAddress: prototyp.Hash(lower), CollectionID: other.ID}
	ok, err := r.c.UpdateContractCollection(r.ctx, r.project, moved)
	if r.call("UpdateContractCollection", err) {
		r.equal("UpdateContractCollection", "ok", ok, true)
	}
	if got, err := r.c.GetContractCollection(r.ctx, r.project, 137, lower); r.call("GetContractCollection", err) && got != nil {
		r.equal("GetContractCollection", "collectionId after UpdateContractCollection", got.CollectionID, other.ID)
	}

	ok, err = r.c.DeleteContractCollection(r.ctx, r.project, 137, mixed)
	if r.call("DeleteContractCollection", err) {
		r.equal("DeleteContractCollection", "ok", ok, true)
	}
	_, err = r.c.GetContractCollection(r.ctx, r.project, 137, lower)
	r.notFound("GetContractCollection", "after DeleteContractCollection", err)
}
