// LoRA adapters through the safe wrapper, on tests/data/gemma3-lora-tiny (two PEFT folders and
// PEFT's logits per case).
use std::path::PathBuf;

use gemmakit::{Adapter, LoadOptions, Model};

fn data_dir(name: &str) -> PathBuf {
    match std::env::var("GEMMAKIT_TEST_DATA") {
        Ok(d) => PathBuf::from(d).join(name),
        Err(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../tests/data").join(name),
    }
}

fn adapter_dir(name: &str) -> PathBuf {
    data_dir("gemma3-lora-tiny").join("adapters").join(name)
}

/// The ids and the last position's logits of golden case `name` (no JSON crate offline).
fn golden(name: &str) -> (Vec<i32>, Vec<f32>) {
    let dir = data_dir("gemma3-lora-tiny");
    let text = std::fs::read_to_string(dir.join("golden.json")).unwrap();
    let case = text.find(&format!("\"name\": \"{name}\"")).unwrap_or_else(|| panic!("no case {name}"));
    let open = case + text[case..].find("\"ids\"").unwrap();
    let open = open + text[open..].find('[').unwrap();
    let close = open + text[open..].find(']').unwrap();
    let ids: Vec<i32> = text[open + 1..close].split(',').map(|v| v.trim().parse().unwrap()).collect();
    let file = format!("{}.logits.f32", name.replace('/', "."));
    let raw = std::fs::read(dir.join(file)).unwrap();
    let flat: Vec<f32> = raw.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    let vocab = flat.len() / ids.len();
    (ids, flat[flat.len() - vocab..].to_vec())
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn adapters_match_peft_and_swap_per_session() {
    let model = Model::load(data_dir("gemma3-lora-tiny")).unwrap();
    let a1 = Adapter::load(&model, adapter_dir("adapter1")).unwrap();
    let a2 = Adapter::load(&model, adapter_dir("adapter2")).unwrap();
    assert_eq!((a1.rank().unwrap(), a1.scaling().unwrap()), (8, 2.0));
    assert_eq!((a2.rank().unwrap(), a2.scaling().unwrap()), (4, 4.0));
    let mut s = model.session().unwrap();
    for (name, set) in [
        ("spanish/adapter1_scale0.5", vec![(&a1, 0.5f32)]),
        ("spanish/adapter1+adapter2", vec![(&a1, 1.0), (&a2, 1.0)]),
        ("spanish/base", vec![]),
    ] {
        let (ids, want) = golden(name);
        s.set_adapters(&set).unwrap();
        assert_eq!(s.n_past().unwrap(), 0, "{name}: a new set forgets the tokens");
        let got = s.eval(&ids).unwrap();
        assert!(max_diff(&got, &want) <= 1e-3, "{name}: {}", max_diff(&got, &want));
    }
    let merged = Model::load_with(
        data_dir("gemma3-lora-tiny"),
        &LoadOptions { merge_adapters: vec![(adapter_dir("adapter2"), 1.0)], ..Default::default() },
    )
    .unwrap();
    let (ids, want) = golden("spanish/adapter2");
    let got = merged.session().unwrap().eval(&ids).unwrap();
    assert!(max_diff(&got, &want) <= 0.1, "merged at load: {}", max_diff(&got, &want));
}

#[test]
fn adapter_errors_name_the_problem() {
    let other = Model::load(data_dir("gemma3-tiny")).unwrap();
    let e = Adapter::load(&other, adapter_dir("adapter1")).err().unwrap();
    assert_eq!(e.status, -3);
    assert!(e.message.contains("lora_A.weight"), "{}", e);
    let e = Adapter::load(&other, adapter_dir("no-such")).err().unwrap();
    assert_eq!(e.status, -2);
}
