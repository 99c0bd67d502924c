//! `SimpleQueue.put(item)` and `SimpleQueue.get()` as hand-written `METH_FASTCALL` methods.
//!
//! CPython's C `SimpleQueue` is a list behind the interpreter's own calling convention, and a
//! put+get through PyO3's (its trampoline's attach guard, reference pool check and unwind guard,
//! and its general argument extraction) cost about 390 instructions more per pair than it
//! (callgrind, docs/performance.md): 0.75–0.78× its speed. These two entry points take the common
//! calls, one positional item for `put` and no argument for a `get` that finds an item, straight
//! to the queue; every other call (keywords, `block`, `timeout`, a `get` that must wait) goes on to
//! the PyO3 methods `_put_full` and `_get_full`, which have the whole semantics.
//!
//! Neither path runs user code or can unwind: the queue's `put` and `get_nowait` only move a
//! pointer (an `extern "C"` function that panicked would abort the process, not unwind into
//! CPython).

use std::ffi::CStr;
use std::ptr;

use pyo3::ffi;
use pyo3::prelude::*;

use crate::classes::SimpleQueue;

unsafe extern "C" fn put(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    if nargs == 1 && kwnames.is_null() {
        // SAFETY: CPython calls a method with the interpreter attached, and its descriptor
        // checked that `slf` is a `SimpleQueue`; `args[0]` is a borrowed reference.
        unsafe {
            let py = Python::assume_attached();
            let this = pyo3::Borrowed::from_ptr(py, slf).cast_unchecked::<SimpleQueue>();
            this.get().put_item(pyo3::Borrowed::from_ptr(py, *args).to_owned().unbind());
            // (`Py_NewRef` is 3.10+.)
            ffi::Py_IncRef(ffi::Py_None());
            return ffi::Py_None();
        }
    }
    // SAFETY: as above; the slow method takes the same arguments.
    unsafe { slow(slf, c"_put_full", args, nargs, kwnames) }
}

unsafe extern "C" fn get(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    if nargs == 0 && kwnames.is_null() {
        // SAFETY: as in `put`.
        unsafe {
            let py = Python::assume_attached();
            let this = pyo3::Borrowed::from_ptr(py, slf).cast_unchecked::<SimpleQueue>();
            if let Some(item) = this.get().try_item() {
                return item.into_ptr();
            }
        }
    }
    // SAFETY: as in `put`.
    unsafe { slow(slf, c"_get_full", args, nargs, kwnames) }
}

/// Calls the PyO3 method `name` with the same arguments.
unsafe fn slow(
    slf: *mut ffi::PyObject,
    name: &CStr,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: the caller's arguments are valid for the call.
    unsafe {
        let method = ffi::PyObject_GetAttrString(slf, name.as_ptr());
        if method.is_null() {
            return ptr::null_mut();
        }
        let result = ffi::PyObject_Vectorcall(method, args, nargs as usize, kwnames);
        ffi::Py_DecRef(method);
        result
    }
}

static mut PUT: ffi::PyMethodDef = ffi::PyMethodDef {
    ml_name: c"put".as_ptr(),
    ml_meth: ffi::PyMethodDefPointer { PyCFunctionFastWithKeywords: put },
    ml_flags: ffi::METH_FASTCALL | ffi::METH_KEYWORDS,
    ml_doc: c"put($self, item, block=True, timeout=None)\n--\n\nPuts `item`; never blocks.".as_ptr(),
};

static mut GET: ffi::PyMethodDef = ffi::PyMethodDef {
    ml_name: c"get".as_ptr(),
    ml_meth: ffi::PyMethodDefPointer { PyCFunctionFastWithKeywords: get },
    ml_flags: ffi::METH_FASTCALL | ffi::METH_KEYWORDS,
    ml_doc: c"get($self, block=True, timeout=None)\n--\n\nRemoves and returns an item.".as_ptr(),
};

/// Replaces `SimpleQueue.put` and `.get` with the entry points above.
pub(crate) fn install(py: Python<'_>) -> PyResult<()> {
    let ty = py.get_type::<SimpleQueue>();
    let ty_ptr = ty.as_ptr().cast::<ffi::PyTypeObject>();
    // SAFETY: the definitions are static and never change; the type's dict is written once, at
    // import, before any instance exists, and `PyType_Modified` drops the method caches.
    unsafe {
        for def in [&raw mut PUT, &raw mut GET] {
            let descr = ffi::PyDescr_NewMethod(ty_ptr, def);
            if descr.is_null() {
                return Err(PyErr::fetch(py));
            }
            let dict = (*ty_ptr).tp_dict;
            let name = (*def).ml_name;
            let status = ffi::PyDict_SetItemString(dict, name, descr);
            ffi::Py_DecRef(descr);
            if status != 0 {
                return Err(PyErr::fetch(py));
            }
        }
        ffi::PyType_Modified(ty_ptr);
    }
    Ok(())
}
