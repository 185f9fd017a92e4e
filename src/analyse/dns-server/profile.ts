// The DNS profile's types live in the model (the report carries one); re-exported for the DNS models.
export * from '../../model/dns-profile.js'
