package mongostore

import (
	"fmt"
	"sync/atomic"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"go.mongodb.org/mongo-driver/v2/x/bsonx/bsoncore"
)

// The documents that nested queries read by the hundred decode by hand, field by field,
// rather than by bson.Unmarshal's reflection: about 4 times faster with a fifth of the
// allocations (bson.Unmarshal allocates each key and boxes each value), which was a fifth
// of the five-level query's CPU. Each decodes what bson.Unmarshal decodes into the same
// struct (TestDecodersMatchReflection): a value of the BSON type the store writes is read
// here, any other (null, another number type, a wrong type) goes to bson.UnmarshalValue,
// with its conversions and errors. A field a decoder does not know (one added to a
// document type but not yet here, or written by a newer version) sends the whole document
// to bson.Unmarshal (slower, never wrong): TestDecodersMatchReflection checks the fast
// path on every field the store writes.

// decoder decodes the elements of one document; it keeps the first error, and whether a
// field was not known.
type decoder struct {
	err     error
	unknown bool
}

// The document types without their decoders: bson.Unmarshal decodes these by reflection.
type (
	plainCountry    countryDoc
	plainDonor      donorDoc
	plainAgreement  agreementDoc
	plainTrustFund  trustFundDoc
	plainAllocation allocationDoc
	plainProject    projectDoc
)

// slowDecodes counts the documents finish decoded by reflection (for tests).
var slowDecodes atomic.Int64

// rest decodes the fields of DocMeta and notes any other as unknown.
func (x *decoder) rest(m *DocMeta, k []byte, v bsoncore.Value) {
	if !x.meta(m, k, v) {
		x.unknown = true
	}
}

// finish returns the decoder's error or, if it met a field it does not know, decodes doc
// again by reflection into plain (the document, as its type without a decoder).
func finish[P any](x *decoder, doc []byte, plain *P) error {
	if x.err != nil || !x.unknown {
		return x.err
	}
	slowDecodes.Add(1)
	var zero P
	*plain = zero
	return bson.Unmarshal(doc, plain)
}

// doc calls field for each element of doc.
func (x *decoder) doc(doc []byte, field func(key []byte, v bsoncore.Value)) {
	d, rem, ok := bsoncore.ReadDocument(doc)
	if !ok || len(rem) != 0 {
		x.err = fmt.Errorf("decode: malformed document")
		return
	}
	elems := d[4 : len(d)-1]
	for len(elems) > 0 && x.err == nil {
		e, next, ok := bsoncore.ReadElement(elems)
		if !ok {
			x.err = fmt.Errorf("decode: malformed element")
			return
		}
		elems = next
		field(e.KeyBytes(), e.Value())
	}
}

// other decodes v, of a type the fast paths leave, into dst as bson.Unmarshal would.
func (x *decoder) other(k []byte, v bsoncore.Value, dst any) {
	if err := bson.UnmarshalValue(bson.Type(v.Type), v.Data, dst); err != nil && x.err == nil {
		x.err = fmt.Errorf("decode %q: %w", k, err)
	}
}

func (x *decoder) str(k []byte, v bsoncore.Value) string {
	s, ok := v.StringValueOK()
	if !ok {
		x.other(k, v, &s)
	}
	return s
}

func (x *decoder) int64(k []byte, v bsoncore.Value) int64 {
	switch v.Type {
	case bsoncore.TypeInt64:
		return v.Int64()
	case bsoncore.TypeInt32:
		return int64(v.Int32())
	}
	var n int64
	x.other(k, v, &n)
	return n
}

func (x *decoder) int(k []byte, v bsoncore.Value) int {
	switch v.Type {
	case bsoncore.TypeInt32:
		return int(v.Int32())
	case bsoncore.TypeInt64:
		return int(v.Int64())
	}
	var n int
	x.other(k, v, &n)
	return n
}

func (x *decoder) bool(k []byte, v bsoncore.Value) bool {
	b, ok := v.BooleanOK()
	if !ok {
		x.other(k, v, &b)
	}
	return b
}

func (x *decoder) time(k []byte, v bsoncore.Value) time.Time {
	if ms, ok := v.DateTimeOK(); ok {
		return time.UnixMilli(ms).UTC()
	}
	var t time.Time
	x.other(k, v, &t)
	return t
}

func (x *decoder) timePtr(k []byte, v bsoncore.Value) *time.Time {
	if ms, ok := v.DateTimeOK(); ok {
		t := time.UnixMilli(ms).UTC()
		return &t
	}
	var t *time.Time
	x.other(k, v, &t)
	return t
}

func (x *decoder) strings(k []byte, v bsoncore.Value) []string {
	a, ok := v.ArrayOK()
	if !ok {
		var out []string
		x.other(k, v, &out)
		return out
	}
	out := []string{} // [] decodes empty, not nil
	x.doc(a, func(_ []byte, e bsoncore.Value) { out = append(out, x.str(k, e)) })
	return out
}

// array decodes the array v into *dst, an element at a time by elem; any other type goes to
// bson.UnmarshalValue.
func array[T any](x *decoder, k []byte, v bsoncore.Value, dst *[]T, elem func(*T, bsoncore.Value)) {
	a, ok := v.ArrayOK()
	if !ok {
		*dst = nil
		x.other(k, v, dst)
		return
	}
	*dst = []T{}
	x.doc(a, func(_ []byte, e bsoncore.Value) {
		var t T
		elem(&t, e)
		*dst = append(*dst, t)
	})
}

// sub decodes the embedded document v into dst by field; any other type goes to
// bson.UnmarshalValue.
func sub[T any](x *decoder, k []byte, v bsoncore.Value, dst *T, field func(*T, []byte, bsoncore.Value)) {
	d, ok := v.DocumentOK()
	if !ok {
		x.other(k, v, dst)
		return
	}
	x.doc(d, func(k []byte, v bsoncore.Value) { field(dst, k, v) })
}

// meta decodes the fields of DocMeta; it returns false for any other.
func (x *decoder) meta(m *DocMeta, k []byte, v bsoncore.Value) bool {
	switch string(k) {
	case "version":
		m.Version = x.int(k, v)
	case "createdAt":
		m.CreatedAt = x.time(k, v)
	case "updatedAt":
		m.UpdatedAt = x.time(k, v)
	case "change":
		m.Change = x.str(k, v)
	default:
		return false
	}
	return true
}

func (x *decoder) money(m *moneyDoc, k []byte, v bsoncore.Value) {
	switch string(k) {
	case "units":
		m.Units = x.int64(k, v)
	case "currency":
		m.Currency = x.str(k, v)
	case "milli":
		m.Milli = x.int64(k, v)
	}
}

// UnmarshalBSON decodes a country.
func (d *countryDoc) UnmarshalBSON(b []byte) error {
	var x decoder
	x.doc(b, func(k []byte, v bsoncore.Value) {
		switch string(k) {
		case "_id":
			d.Code = x.str(k, v)
		case "iso3":
			d.ISO3 = x.str(k, v)
		case "name":
			d.Name = x.str(k, v)
		case "nameNorm":
			d.NameNorm = x.str(k, v)
		case "region":
			d.Region = x.str(k, v)
		case "subRegion":
			d.SubRegion = x.str(k, v)
		default:
			x.rest(&d.DocMeta, k, v)
		}
	})
	return finish(&x, b, (*plainCountry)(d))
}

// UnmarshalBSON decodes a donor.
func (d *donorDoc) UnmarshalBSON(b []byte) error {
	var x decoder
	x.doc(b, func(k []byte, v bsoncore.Value) {
		switch string(k) {
		case "_id":
			d.ID = x.str(k, v)
		case "name":
			d.Name = x.str(k, v)
		case "nameNorm":
			d.NameNorm = x.str(k, v)
		case "shortName":
			d.ShortName = x.str(k, v)
		case "shortNameNorm":
			d.ShortNameNorm = x.str(k, v)
		case "ref":
			d.Ref = x.str(k, v)
		case "type":
			d.Type = x.str(k, v)
		case "homeCountry":
			d.HomeCountry = x.str(k, v)
		case "cooperatingSince":
			d.CooperatingSince = x.int(k, v)
		case "partnerCountries":
			d.PartnerCountries = x.strings(k, v)
		case "description":
			d.Description = x.str(k, v)
		default:
			x.rest(&d.DocMeta, k, v)
		}
	})
	return finish(&x, b, (*plainDonor)(d))
}

// UnmarshalBSON decodes an agreement.
func (d *agreementDoc) UnmarshalBSON(b []byte) error {
	var x decoder
	x.doc(b, func(k []byte, v bsoncore.Value) {
		switch string(k) {
		case "_id":
			d.ID = x.str(k, v)
		case "donorId":
			d.DonorID = x.str(k, v)
		case "counterpart":
			d.Counterpart = x.str(k, v)
		case "title":
			d.Title = x.str(k, v)
		case "titleNorm":
			d.TitleNorm = x.str(k, v)
		case "signedOn":
			d.SignedOn = x.time(k, v)
		case "startsOn":
			d.StartsOn = x.time(k, v)
		case "endsOn":
			d.EndsOn = x.timePtr(k, v)
		case "themes":
			d.Themes = x.strings(k, v)
		case "description":
			d.Description = x.str(k, v)
		case "source":
			d.Source = x.str(k, v)
		default:
			x.rest(&d.DocMeta, k, v)
		}
	})
	return finish(&x, b, (*plainAgreement)(d))
}

// UnmarshalBSON decodes a trust fund.
func (d *trustFundDoc) UnmarshalBSON(b []byte) error {
	var x decoder
	x.doc(b, func(k []byte, v bsoncore.Value) {
		switch string(k) {
		case "_id":
			d.ID = x.str(k, v)
		case "donorId":
			d.DonorID = x.str(k, v)
		case "agreementIds":
			d.AgreementIDs = x.strings(k, v)
		case "name":
			d.Name = x.str(k, v)
		case "nameNorm":
			d.NameNorm = x.str(k, v)
		case "establishedOn":
			d.EstablishedOn = x.time(k, v)
		case "startsOn":
			d.StartsOn = x.time(k, v)
		case "endsOn":
			d.EndsOn = x.timePtr(k, v)
		case "endsOnSort":
			d.EndsOnSort = x.time(k, v)
		case "extensions":
			array(&x, k, v, &d.Extensions, func(e *extensionDoc, v bsoncore.Value) {
				sub(&x, k, v, e, func(e *extensionDoc, k []byte, v bsoncore.Value) {
					switch string(k) {
					case "decidedOn":
						e.DecidedOn = x.timePtr(k, v)
					case "endsOn":
						e.EndsOn = x.time(k, v)
					case "note":
						e.Note = x.str(k, v)
					}
				})
			})
		case "currency":
			d.Currency = x.str(k, v)
		case "status":
			d.Status = x.str(k, v)
		case "description":
			d.Description = x.str(k, v)
		case "contributions":
			array(&x, k, v, &d.Contributions, func(c *contributionDoc, v bsoncore.Value) {
				sub(&x, k, v, c, func(c *contributionDoc, k []byte, v bsoncore.Value) {
					switch string(k) {
					case "year":
						c.Year = x.int(k, v)
					case "amount":
						sub(&x, k, v, &c.Amount, x.money)
					case "illustrative":
						c.Illustrative = x.bool(k, v)
					case "source":
						c.Source = x.str(k, v)
					}
				})
			})
		default:
			x.rest(&d.DocMeta, k, v)
		}
	})
	return finish(&x, b, (*plainTrustFund)(d))
}

// UnmarshalBSON decodes an allocation.
func (d *allocationDoc) UnmarshalBSON(b []byte) error {
	var x decoder
	x.doc(b, func(k []byte, v bsoncore.Value) {
		switch string(k) {
		case "_id":
			d.ID = x.str(k, v)
		case "trustFundId":
			d.TrustFundID = x.str(k, v)
		case "projectId":
			d.ProjectID = x.str(k, v)
		case "type":
			d.Type = x.str(k, v)
		case "year":
			d.Year = x.int(k, v)
		case "date":
			d.Date = x.timePtr(k, v)
		case "amount":
			sub(&x, k, v, &d.Amount, x.money)
		case "implementingAgency":
			d.ImplementingAgency = x.str(k, v)
		case "approvedOn":
			d.ApprovedOn = x.timePtr(k, v)
		case "illustrative":
			d.Illustrative = x.bool(k, v)
		case "source":
			d.Source = x.str(k, v)
		case "provider":
			d.Provider = x.transactionOrg(k, v)
		case "receiver":
			d.Receiver = x.transactionOrg(k, v)
		case "flowType":
			d.FlowType = x.iatiCodePtr(k, v)
		case "financeType":
			d.FinanceType = x.iatiCodePtr(k, v)
		case "aidTypes":
			array(&x, k, v, &d.AidTypes, func(c *iatiCodeDoc, v bsoncore.Value) { sub(&x, k, v, c, x.iatiCode) })
		default:
			x.rest(&d.DocMeta, k, v)
		}
	})
	return finish(&x, b, (*plainAllocation)(d))
}

// transactionOrg decodes the provider or receiver of an allocation.
func (x *decoder) transactionOrg(k []byte, v bsoncore.Value) *transactionOrgDoc {
	var o *transactionOrgDoc
	if _, ok := v.DocumentOK(); !ok {
		x.other(k, v, &o)
		return o
	}
	o = &transactionOrgDoc{}
	sub(x, k, v, o, func(o *transactionOrgDoc, k []byte, v bsoncore.Value) {
		switch string(k) {
		case "ref":
			o.Ref = x.str(k, v)
		case "name":
			o.Name = x.str(k, v)
		case "type":
			o.Type = x.str(k, v)
		case "activityId":
			o.ActivityID = x.str(k, v)
		}
	})
	return o
}

// iatiCodePtr decodes the flow or finance type of an allocation.
func (x *decoder) iatiCodePtr(k []byte, v bsoncore.Value) *iatiCodeDoc {
	var c *iatiCodeDoc
	if _, ok := v.DocumentOK(); !ok {
		x.other(k, v, &c)
		return c
	}
	c = &iatiCodeDoc{}
	sub(x, k, v, c, x.iatiCode)
	return c
}

func (x *decoder) iatiCode(c *iatiCodeDoc, k []byte, v bsoncore.Value) {
	switch string(k) {
	case "vocabulary":
		c.Vocabulary = x.str(k, v)
	case "code":
		c.Code = x.str(k, v)
	case "fromDefault":
		c.FromDefault = x.bool(k, v)
	}
}

// UnmarshalBSON decodes a project.
func (d *projectDoc) UnmarshalBSON(b []byte) error {
	var x decoder
	x.doc(b, func(k []byte, v bsoncore.Value) {
		switch string(k) {
		case "_id":
			d.ID = x.str(k, v)
		case "code":
			d.Code = x.str(k, v)
		case "title":
			d.Title = x.str(k, v)
		case "titleNorm":
			d.TitleNorm = x.str(k, v)
		case "description":
			d.Description = x.str(k, v)
		case "status":
			d.Status = x.str(k, v)
		case "startsOn":
			d.StartsOn = x.time(k, v)
		case "endsOn":
			d.EndsOn = x.timePtr(k, v)
		case "endsOnSort":
			d.EndsOnSort = x.time(k, v)
		case "actualStartsOn":
			d.ActualStartsOn = x.timePtr(k, v)
		case "actualEndsOn":
			d.ActualEndsOn = x.timePtr(k, v)
		case "lastUpdatedAt":
			d.LastUpdatedAt = x.timePtr(k, v)
		case "importDigest":
			d.ImportDigest = x.str(k, v)
		case "reportingOrg":
			d.ReportingOrg = x.str(k, v)
		case "regions":
			d.Regions = x.coded(k, v)
		case "sectors":
			d.Sectors = x.coded(k, v)
		case "themes":
			d.Themes = x.strings(k, v)
		case "implementingAgency":
			d.ImplementingAgency = x.str(k, v)
		case "budget":
			if _, ok := v.DocumentOK(); ok {
				d.Budget = &moneyDoc{}
				sub(&x, k, v, d.Budget, x.money)
			} else {
				x.other(k, v, &d.Budget)
			}
		case "countries":
			array(&x, k, v, &d.Countries, func(c *countryPct, v bsoncore.Value) {
				sub(&x, k, v, c, func(c *countryPct, k []byte, v bsoncore.Value) {
					switch string(k) {
					case "code":
						c.Code = x.str(k, v)
					case "share":
						c.Share = x.int(k, v)
					}
				})
			})
		case "illustrative":
			d.Illustrative = x.bool(k, v)
		case "source":
			d.Source = x.str(k, v)
		default:
			x.rest(&d.DocMeta, k, v)
		}
	})
	return finish(&x, b, (*plainProject)(d))
}

// coded decodes the regions or sectors of a project.
func (x *decoder) coded(k []byte, v bsoncore.Value) []codedPct {
	var out []codedPct
	array(x, k, v, &out, func(c *codedPct, v bsoncore.Value) {
		sub(x, k, v, c, func(c *codedPct, k []byte, v bsoncore.Value) {
			switch string(k) {
			case "vocabulary":
				c.Vocabulary = x.str(k, v)
			case "code":
				c.Code = x.str(k, v)
			case "share":
				c.Share = x.int(k, v)
			}
		})
	})
	return out
}
