//! The interpreters the judge can start (`support::python::Python`): plain
//! `python3`, and the pinned environments of `tools/pyenv.sh`, each with the
//! versions that script pins (the byte-for-byte interop tests depend on them).

use crate::support::python::Python;

/// What `python -c code` prints, trimmed.
fn ask(python: Python, code: &str) -> String {
    String::from_utf8(python.run(&["-c", code], b"")).unwrap().trim().to_string()
}

#[test]
fn python3_is_cpython_3_with_pickle_protocol_5() {
    let code = "import pickle,sys,platform; \
                print(platform.python_implementation(), sys.version_info[0], pickle.HIGHEST_PROTOCOL)";
    assert_eq!(ask(Python::System, code), "CPython 3 5");
}

#[test]
fn the_modern_environment_has_the_pinned_packages() {
    let code = "import numpy, pandas, cloudpickle, dill, joblib; \
                print(numpy.__version__, pandas.__version__, cloudpickle.__version__, \
                dill.__version__, joblib.__version__)";
    assert_eq!(ask(Python::Modern, code), "2.4.6 3.1.1 3.1.3 0.4.1 1.6.0");
}

#[test]
fn the_legacy_environment_has_numpy_1_and_pandas_2() {
    let code = "import numpy, pandas; print(numpy.__version__, pandas.__version__)";
    assert_eq!(ask(Python::Legacy, code), "1.26.4 2.2.3");
}

#[test]
fn py27_is_python_2_7() {
    let code = "import sys; print('%d.%d' % sys.version_info[:2])";
    assert_eq!(ask(Python::Py27, code), "2.7");
}
