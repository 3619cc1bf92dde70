// Drives every method of @0xsequence/metadata's SequenceCollections against the emulator.
// Usage: node collections_client.js <package dir>; env EMULATOR_URL, EMULATOR_JWT, EMULATOR_PROJECT.
'use strict'
const { SequenceCollections } = require(process.argv[2])

const url = process.env.EMULATOR_URL
const projectId = Number(process.env.EMULATOR_PROJECT)
const client = new SequenceCollections(url, process.env.EMULATOR_JWT)
const methods = Object.keys(client)
  .filter(name => typeof client[name] === 'function' && !['fetch', '_fetch'].includes(name))
  .sort()
const called = new Set()

async function call(name, args) {
  called.add(name)
  return client[name](args)
}

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`)
}

async function main() {
  const { collection } = await call('createCollection', {
    projectId,
    collection: { metadata: { name: 'From Node', description: 'JS client', external_link: 'https://example.com' } }
  })
  check(collection.private === true, 'a new collection is private')
  const cid = collection.id
  check((await call('getCollection', { projectId, collectionId: cid })).collection.tokenCount === 0, 'tokenCount')
  check((await call('listCollections', { projectId })).collections.length === 1, 'listCollections')
  const updated = await call('updateCollection', {
    projectId,
    collection: { id: cid, metadata: { name: 'From Node 2', description: 'JS client' } }
  })
  check(updated.collection.metadata.name === 'From Node 2', 'updateCollection')

  const big = '457657099779485875855215293997335918990635014431'
  const created = await call('createToken', {
    projectId,
    collectionId: cid,
    token: { tokenId: big, name: 'Big', description: 'd', decimals: 0, attributes: [{ trait_type: 'a', value: 1 }] }
  })
  check(created.token.tokenId === big && created.assets === null, 'createToken')
  check((await call('getToken', { projectId, collectionId: cid, tokenId: big })).token.name === 'Big', 'getToken')
  check((await call('listTokens', { projectId, collectionId: cid })).tokens.length === 1, 'listTokens')
  await call('updateToken', { projectId, collectionId: cid, tokenId: big, private: false, token: { tokenId: big, name: 'Big' } })

  const { asset } = await call('createAsset', {
    projectId,
    asset: { id: Number(big.slice(0, 10)), collectionId: cid, tokenId: big, metadataField: 'image' }
  })
  check(asset.url === '' && asset.tokenId === big, 'createAsset')
  check((await call('getAsset', { projectId, assetId: asset.id })).asset.id === asset.id, 'getAsset')
  const renamed = await call('updateAsset', {
    projectId,
    asset: { id: asset.id, collectionId: cid, metadataField: 'image', filename: 'New Image' }
  })
  check(renamed.asset.filename === 'New Image', 'updateAsset')

  const address = '0x477566e9ade2dfa69f066f909e36ad617a2adef7'
  const link = { chainId: 80002, contractAddress: address.toUpperCase().replace('0X', '0x'), collectionId: cid }
  const made = await call('createContractCollection', { projectId, contractCollection: link })
  check(made.contractCollection.contractAddress === address, 'address lower-cased')
  const got = await call('getContractCollection', { projectId, chainId: 80002, contractAddress: address })
  check(got.contractCollection.id === made.contractCollection.id, 'getContractCollection')
  const links = await call('listContractCollections', { projectId, collectionId: cid })
  check(links.contractCollections.length === 1 && links.collections[0].id === cid, 'listContractCollections')
  check((await call('updateContractCollection', { projectId, contractCollection: link })).ok === true, 'update link')

  const published = await call('publishCollection', { projectId, collectionId: cid })
  check(published.collection.private === false, 'publishCollection')
  const publicToken = await fetch(`${url}/projects/${projectId}/collections/${cid}/tokens/${big}`)
  check(publicToken.status === 200 && (await publicToken.json()).tokenId === big, 'public token route')
  check((await call('unpublishCollection', { projectId, collectionId: cid })).collection.private === true, 'unpublish')

  check((await call('deleteContractCollection', { projectId, chainId: 80002, contractAddress: address })).ok, 'delete link')
  check((await call('deleteAsset', { projectId, assetId: asset.id })).status === true, 'deleteAsset')
  check((await call('deleteToken', { projectId, collectionId: cid, tokenId: big })).status === true, 'deleteToken')
  check((await call('deleteCollection', { projectId, collectionId: cid })).status === true, 'deleteCollection')

  let error = null
  try {
    await client.getCollection({ projectId, collectionId: cid })
  } catch (e) {
    error = e
  }
  check(error !== null && error.code === 3000 && error.status === 400, `typed NotFound, got ${JSON.stringify(error)}`)

  const missing = methods.filter(name => !called.has(name))
  console.log(JSON.stringify({ methods, called: [...called].sort(), missing }))
  if (missing.length > 0) process.exit(3)
}

main().catch(error => {
  console.error('FAILED', error && (error.stack || JSON.stringify(error)))
  process.exit(1)
})
