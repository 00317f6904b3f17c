// A stock TensorFlow Serving client: @grpc/grpc-js with the public protos loaded at run time by
// @grpc/proto-loader, as a Node user of TensorFlow Serving would write it. It calls Predict (token
// ids as tensor_content and as int_val), Classify, GetModelMetadata and GetModelStatus and prints
// what it received as one JSON object on stdout; any failed call ends it with exit status 1 and
// the gRPC status on stderr.
//
// Usage: node client.js REQUEST.json
//   REQUEST.json: {"address": "localhost:9000", "protoDir": ".../src/main/proto", "model": "m",
//                  "token": optional bearer token, "shape": [batch, seq],
//                  "inputs": {"input_ids": [...], "attention_mask": [...], "token_type_ids": [...]},
//                  "texts": ["a text", ...], "large": optional [batch, seq]}
//   With "large", it then sends the large Predict (token ids of that shape as
//   tensor_content in each of the three inputs) three times and prints how each ended and how
//   long it took (the request's encoding included).
'use strict';

const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

const req = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const protoDir = req.protoDir;
const files = [
  'tensorflow_serving/apis/prediction_service.proto',
  'tensorflow_serving/apis/model_service.proto',
];
const options = {keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
  includeDirs: [protoDir]};
const tfs = grpc.loadPackageDefinition(protoLoader.loadSync(files, options)).tensorflow.serving;

const credentials = grpc.credentials.createInsecure();
const prediction = new tfs.PredictionService(req.address, credentials);
const models = new tfs.ModelService(req.address, credentials);
const metadata = new grpc.Metadata();
if (req.token) {
  metadata.set('authorization', 'Bearer ' + req.token);
}

function call(client, method, request) {
  return new Promise((resolve, reject) => {
    const deadline = new Date(Date.now() + 60000);
    client[method](request, metadata, {deadline}, (err, response) => {
      if (err) {
        reject(new Error(method + ' failed: ' + grpc.status[err.code] + ': ' + err.details));
      } else {
        resolve(response);
      }
    });
  });
}

const dims = (shape) => ({dim: shape.map((size) => ({size: String(size)}))});

function int32Content(values, shape = req.shape) {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeInt32LE(v, i * 4));
  return {dtype: 'DT_INT32', tensor_shape: dims(shape), tensor_content: b};
}

// The large Predict: resolves to {code, details, ms, bytes} however it ends.
function largePredict(shape) {
  const n = shape[0] * shape[1];
  const inputs = {
    input_ids: int32Content(new Array(n).fill(5), shape),
    attention_mask: int32Content(new Array(n).fill(1), shape),
    token_type_ids: int32Content(new Array(n).fill(0), shape),
  };
  const start = process.hrtime.bigint();
  return new Promise((resolve) => {
    const deadline = new Date(Date.now() + 120000);
    prediction.Predict({model_spec: {name: req.model}, inputs}, metadata, {deadline},
        (err, response) => {
          const ms = Number(process.hrtime.bigint() - start) / 1e6;
          resolve(err ? {code: grpc.status[err.code], details: err.details, ms}
                      : {code: 'OK', details: '', ms});
        });
  });
}

function int32Values(values) {
  return {dtype: 'DT_INT32', tensor_shape: dims(req.shape), int_val: values};
}

function predictRequest(encode) {
  const inputs = {};
  for (const [name, values] of Object.entries(req.inputs)) {
    inputs[name] = encode(values);
  }
  return {model_spec: {name: req.model}, inputs};
}

const shapeOf = (t) => t.tensor_shape.dim.map((d) => Number(d.size));

function outputs(response) {
  const out = {};
  for (const [name, t] of Object.entries(response.outputs)) {
    out[name] = {dtype: t.dtype, shape: shapeOf(t), values: t.float_val};
  }
  return {version: Number(response.model_spec.version.value), outputs: out};
}

function example(text) {
  return {features: {feature: {text: {bytes_list: {value: [Buffer.from(text, 'utf8')]}}}}};
}

// The metadata's signature_def is a google.protobuf.Any holding a SignatureDefMap.
const root = new protobuf.Root();
root.resolvePath = (origin, target) => path.join(protoDir, target);
root.loadSync('tensorflow_serving/apis/get_model_metadata.proto', {keepCase: true});
const SignatureDefMap = root.lookupType('tensorflow.serving.SignatureDefMap');

function tensorInfos(map) {
  const out = {};
  for (const [name, info] of Object.entries(map)) {
    out[name] = {name: info.name, dtype: info.dtype,
      shape: info.tensor_shape.unknown_rank ? null : info.tensor_shape.dim.map((d) => Number(d.size))};
  }
  return out;
}

async function main() {
  const spec = {name: req.model};
  const content = await call(prediction, 'Predict', predictRequest(int32Content));
  const intVal = await call(prediction, 'Predict', predictRequest(int32Values));
  const classify = await call(prediction, 'Classify',
      {model_spec: spec, input: {example_list: {examples: req.texts.map(example)}}});
  const meta = await call(prediction, 'GetModelMetadata',
      {model_spec: spec, metadata_field: ['signature_def']});
  const status = await call(models, 'GetModelStatus', {model_spec: spec});

  const any = meta.metadata.signature_def;
  const defs = SignatureDefMap.toObject(SignatureDefMap.decode(any.value),
      {enums: String, longs: String, defaults: true});
  const signatures = {};
  for (const [key, def] of Object.entries(defs.signature_def)) {
    signatures[key] = {method_name: def.method_name, inputs: tensorInfos(def.inputs),
      outputs: tensorInfos(def.outputs)};
  }
  const result = {
    predict_tensor_content: outputs(content),
    predict_int_val: outputs(intVal),
    classify: {
      version: Number(classify.model_spec.version.value),
      classifications: classify.result.classifications.map((c) =>
        c.classes.map((k) => ({label: k.label, score: k.score}))),
    },
    metadata: {version: Number(meta.model_spec.version.value), type_url: any.type_url, signatures},
    status: status.model_version_status.map((s) => ({version: Number(s.version), state: s.state,
      error_code: s.status.error_code, error_message: s.status.error_message})),
  };
  if (req.large) {
    result.large = [];
    for (let i = 0; i < 3; i++) {
      result.large.push(await largePredict(req.large));
    }
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().then(() => process.exit(0), (e) => {
  process.stderr.write(e.message + '\n');
  process.exit(1);
});
